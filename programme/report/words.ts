const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below1000(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (hundreds > 0) parts.push(`${ONES[hundreds]} hundred`);
  if (rest > 0) {
    const words = rest < 20 ? ONES[rest]! : TENS[Math.floor(rest / 10)]! + (rest % 10 ? `-${ONES[rest % 10]}` : '');
    parts.push(hundreds > 0 ? `and ${words}` : words);
  }
  return parts.join(' ');
}

/** British English: 177 → "one hundred and seventy-seven", 2003 → "two thousand and three". */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0) return String(n);
  if (n < 20) return ONES[n]!;
  if (n >= 1_000_000) return n.toLocaleString('en-GB');
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (thousands === 0) return below1000(rest);
  const head = `${below1000(thousands)} thousand`;
  if (rest === 0) return head;
  return rest < 100 ? `${head} and ${below1000(rest)}` : `${head} ${below1000(rest)}`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A number opening a sentence is written out ("Forty-nine offices …"). */
export function sentenceNumber(n: number): string {
  return capitalise(numberToWords(n));
}

/** Inside a sentence, numbers under ten are words ("eight"), larger ones figures ("51"). */
export function inlineNumber(n: number): string {
  return n < 10 ? numberToWords(n) : String(n);
}

export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
