/** yauzl as a reference reader (test oracle only; never used by Bulwark itself). */
import yauzl from 'yauzl';

export interface Read {
  name: string;
  size: number;
  compressedSize: number;
  data: Buffer;
}

/** Read every entry with yauzl (the reference reader), validating CRCs and sizes. */
export function readWithYauzl(zip: Uint8Array): Promise<Read[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(zip), { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zf) => {
      if (err || !zf) return reject(err ?? new Error('no zipfile'));
      const out: Read[] = [];
      zf.on('error', reject);
      zf.on('end', () => resolve(out));
      zf.on('entry', (entry: yauzl.Entry) => {
        zf.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.push({ name: entry.fileName, size: entry.uncompressedSize, compressedSize: entry.compressedSize, data: Buffer.concat(chunks) });
            zf.readEntry();
          });
        });
      });
      zf.readEntry();
    });
  });
}
