import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir, ROOT } from './server';

/**
 * The text of a PDF, by pdf-parse in a plain node process: pdf.js loads its worker with a dynamic
 * import, which jest's module sandbox does not run.
 */
const SCRIPT = `
const { PDFParse } = require('pdf-parse');
const parser = new PDFParse({ data: require('fs').readFileSync(process.argv[1]) });
parser.getText().then((r) => { process.stdout.write(r.text); return parser.destroy(); }).catch((e) => { console.error(e); process.exit(1); });
`;

export async function pdfText(pdf: Buffer): Promise<string> {
  const dir = makeTempDir('pdf-text-');
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', SCRIPT, file], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`pdf-parse failed: ${stderr || error.message}`)) : resolve(stdout),
      );
    });
  } finally {
    removeTempDir(dir);
  }
}
