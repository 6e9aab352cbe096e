/**
 * SQLite's text orders, in PostgreSQL. SQLite compares text byte by byte (BINARY) and, under
 * COLLATE NOCASE, after folding A–Z only; PostgreSQL sorts by the database's collation, which under
 * a linguistic locale (en_US.UTF-8) ignores punctuation at first and puts "é" beside "e". Where an
 * order is part of a repository's answer, these give the one SQLite gives, whatever the database's
 * locale: "C" compares UTF-8 bytes, which is code point order.
 */

/** `expr` ordered as SQLite's BINARY collation orders it. */
export const binary = (expr: string): string => `${expr} COLLATE "C"`;

/**
 * `expr` ordered as SQLite's `COLLATE NOCASE`: ASCII letters folded, nothing else (lower() would
 * also fold "É", which SQLite leaves above every ASCII letter).
 */
export const byName = (expr: string): string =>
  `translate(${expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE "C"`;
