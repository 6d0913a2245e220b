// Devices for bench:cycle: virtual eUICCs (the simulator, with its own signature checks and signed
// results) built from one loaded PKI directory, associated with the bench eIM, and a minimal IPA loop
// that drives each over ESipa ASN.1 on kept-alive TLS connections until the eIM has nothing more for it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createSecureContext, type TLSSocket } from 'node:tls';
import { PKIX1Explicit88 as X, SGP32Definitions as S } from '../src/asn1/index.ts';
import { exportPkcs8 } from '../src/crypto/engine.ts';
import { loadPrivateKey } from '../src/crypto/keys.ts';
import type { LoadedPkiSet } from '../src/crypto/pki-directory.ts';
import type { Signer } from '../src/crypto/signer.ts';
import type { PkiSetIndex } from '../src/crypto/test-pki.ts';
import { fromHex, toHex } from '../src/lib/bytes.ts';
import { VirtualEuicc } from '../simulators/euicc/euicc.ts';
import { emptyState } from '../simulators/euicc/state.ts';
import { exchange } from './tls-fleet.ts';

export interface Device {
  card: VirtualEuicc;
  eid: string;
  associationToken: number | undefined;
}

/** Card `i` of the PKI set, with this eIM added as its initial eIM (counter 0). */
export async function makeDevice(pkiDir: string, set: LoadedPkiSet, index: PkiSetIndex, i: number, eimId: string, signer: Signer): Promise<Device> {
  const e = set.euiccs[i]!;
  const key = loadPrivateKey(readFileSync(join(pkiDir, index.euiccs[i]!.key!), 'utf8'));
  const card = new VirtualEuicc(
    emptyState(e.eid, [
      {
        ciPkId: set.ciPkId,
        curve: set.curve,
        ciCertificate: toHex(set.ci.certificate.der),
        eumCertificate: toHex(set.eum.certificate.der),
        euiccCertificate: toHex(e.certificate.der),
        euiccPrivateKey: toHex(exportPkcs8(key)),
      },
    ]),
  );
  const r = await card.addInitialEim([
    { eimId, eimFqdn: 'localhost', eimIdType: 2, counterValue: 0, associationToken: 0, eimPublicKeyData: { eimPublicKey: X.SubjectPublicKeyInfo.decode(signer.publicKey.spki) }, eimSupportedProtocol: ['eimRetrieveHttps'] },
  ]);
  if (!('addInitialEimOk' in r)) throw new Error('AddInitialEim failed');
  const first = r.addInitialEimOk[0]!;
  return { card, eid: e.eid, associationToken: 'associationToken' in first ? Number(first.associationToken) : undefined };
}

const HEADERS = (host: string, length: number) =>
  `POST /gsma/rsp2/asn1 HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: gsma-rsp-ipad bench\r\nContent-Type: application/x-gsma-rsp-asn1\r\nX-Admin-Protocol: gsma/rsp/v2.1.0\r\nContent-Length: ${length}\r\n\r\n`;

/** One kept-alive ESipa connection to one eIM instance. */
export class EsipaLink {
  private socket: Promise<TLSSocket> | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly ctx;

  constructor(url: string, ca: string) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.ctx = createSecureContext({ ca });
  }

  private connect(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port, secureContext: this.ctx, servername: 'localhost' }, () => resolve(s));
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  async send(message: S.EsipaMessageFromIpaToEim): Promise<S.EsipaMessageFromEimToIpa> {
    const body = S.EsipaMessageFromIpaToEim.encode(message);
    const socket = await (this.socket ??= this.connect());
    try {
      const r = await exchange(socket, Buffer.concat([Buffer.from(HEADERS(`${this.host}:${this.port}`, body.length), 'latin1'), body]));
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body?.toString('utf8').slice(0, 200)}`);
      return S.EsipaMessageFromEimToIpa.decode(new Uint8Array(r.body!));
    } catch (e) {
      socket.destroy();
      this.socket = undefined;
      throw e;
    }
  }

  close(): void {
    void this.socket?.then((s) => s.destroy());
  }
}

/**
 * One IPA procedure for a device, on `pick()`'s link for each request: poll, execute the package, return
 * the result. Returns false when the eIM had nothing for the device.
 */
export async function cycle(d: Device, pick: () => EsipaLink): Promise<boolean> {
  const eidValue = fromHex(d.eid);
  const r = await pick().send({ getEimPackageRequest: { eidValue } });
  if (!('getEimPackageResponse' in r)) throw new Error('unexpected answer to GetEimPackage');
  const pkg = r.getEimPackageResponse;
  if ('eimPackageError' in pkg) {
    if (pkg.eimPackageError !== 1) throw new Error(`GetEimPackage: eimPackageError ${pkg.eimPackageError}`);
    return false;
  }
  if (!('euiccPackageRequest' in pkg)) throw new Error('bench:cycle queues eUICC packages only');
  const result = S.EuiccPackageResult.decode(await d.card.loadEuiccPackage(S.EuiccPackageRequest.encode(pkg.euiccPackageRequest)));
  const a = await pick().send({ provideEimPackageResult: { eidValue, eimPackageResult: { euiccPackageResult: result } } });
  if (!('provideEimPackageResultResponse' in a) || !('eimAcknowledgements' in a.provideEimPackageResultResponse)) throw new Error('result not acknowledged');
  return true;
}
