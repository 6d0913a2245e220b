// Sign and verify throughput through our crypto layer against raw node:crypto, on the same keys and
// the same data (an eimSignature input), both curves, in one run. Goal: ratio ≥ 0.9.
// Run: npm run bench:crypto [-- --seconds 1]
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { loadPrivateKey } from '../src/crypto/keys.ts';
import { eimSignature } from '../src/crypto/signatures.ts';
import { FileKeySigner } from '../src/crypto/signer.ts';
import { fromHex } from '../src/lib/bytes.ts';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 1;
// euiccPackageSigned of an enable PSMO (osmo-ttcn3-hacks template, sgp32-tt-euiccpkgreq-enable)
const pkg = fromHex('302e80056d7945696d5a1000112233445566778899aabbccddeeff81017ba010a30e5a0a123456789abcdeffaaaa0500');
const token = 42;
const data = eimSignature.data(pkg, token);

async function rate(fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Best of three alternating rounds, so neither side gets the warmer CPU. */
async function compare(ours: () => unknown, raw: () => unknown): Promise<[number, number]> {
  let a = 0;
  let b = 0;
  for (let round = 0; round < 3; round++) {
    b = Math.max(b, await rate(raw));
    a = Math.max(a, await rate(ours));
  }
  return [a, b];
}

const rows: string[][] = [['curve', 'operation', 'ours /s', 'node:crypto /s', 'ratio']];
for (const [curve, named] of [['P-256', 'prime256v1'], ['brainpoolP256r1', 'brainpoolP256r1']] as const) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: named });
  const signer = FileKeySigner.fromKeyFile(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const ourKey = loadPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()).publicKey;
  const rawSign = () => nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const signature = rawSign();
  if (!eimSignature.verify(ourKey, signature, pkg, token)) throw new Error('cross-verification failed');

  const [s1, s2] = await compare(() => eimSignature.sign(signer, pkg, token), rawSign);
  rows.push([curve, 'sign (eimSignature.sign, async Signer)', s1.toFixed(0), s2.toFixed(0), (s1 / s2).toFixed(3)]);
  const [v1, v2] = await compare(
    () => eimSignature.verify(ourKey, signature, pkg, token),
    () => nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
  );
  rows.push([curve, 'verify (eimSignature.verify)', v1.toFixed(0), v2.toFixed(0), (v1 / v2).toFixed(3)]);
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
console.log(`\n${seconds}s per measurement, best of 3 alternating rounds; same key and same ${data.length}-byte input on both sides; ratio = ours / raw.`);
