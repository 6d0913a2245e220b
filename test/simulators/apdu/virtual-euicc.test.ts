// The APDU front driving the real virtual eUICC over vpcd, as lpac would through pcscd: GetEID, the
// certificates (a response of well over 256 bytes) and a command the card rejects.
import { join } from 'node:path';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RSPDefinitions as R, SGP32Definitions as S } from '../../../src/asn1/index.ts';
import { concatBytes, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { ISD_R_AID } from '../../../simulators/euicc/apdu.ts';
import { VirtualEuicc } from '../../../simulators/euicc/euicc.ts';
import { startVpcd } from '../../../simulators/euicc/vpcd.ts';
import { makePki } from '../euicc/helpers.ts';
import { POWER_ON, VpcdPeer } from './vpcd-peer.ts';

const pki = makePki();
afterAll(() => pki.cleanup());

/** lpac's es10x_command over the peer: 120-byte STORE DATA blocks on channel 1, GET RESPONSE while 61xx. */
async function es10(peer: VpcdPeer, der: Uint8Array): Promise<{ data: Uint8Array; sw: string }> {
  const parts: Uint8Array[] = [];
  let sw = '';
  for (let block = 0, at = 0; at < der.length; block++, at += 120) {
    const chunk = der.subarray(at, at + 120);
    let r = fromHex(await peer.transmit(toHex(concatBytes(Uint8Array.of(0x81, 0xe2, at + 120 >= der.length ? 0x91 : 0x11, block, chunk.length), chunk))));
    for (;;) {
      parts.push(r.subarray(0, -2));
      sw = toHex(r.subarray(-2));
      if (!sw.startsWith('61')) break;
      r = fromHex(await peer.transmit(`81c00000${sw.slice(2)}`));
    }
  }
  return { data: concatBytes(...parts), sw };
}

describe('APDU front with the virtual eUICC', () => {
  it('serves GetEID, GetCerts and a rejected command to an lpac-style driver over vpcd', async () => {
    const card = VirtualEuicc.fromPki(join(pki.dir, 'pki'), { curve: 'P-256' });
    const server = net.createServer();
    const connected = new Promise<VpcdPeer>((resolve) => server.once('connection', (s) => resolve(new VpcdPeer(s))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const vpcd = await startVpcd(card, { connect: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port } });
    const peer = await connected;
    try {
      peer.control(POWER_ON);
      expect(await peer.transmit('0070000001')).toBe('019000');
      expect(await peer.transmit(`01a4040010${toHex(ISD_R_AID)}`)).toBe('611a');

      const eid = await es10(peer, R.GetEuiccDataRequest.encode({ tagList: fromHex('5a') }));
      expect(eid.sw).toBe('9000');
      expect(toHex(R.GetEuiccDataResponse.decode(eid.data).eidValue)).toBe(card.eid);

      const certs = await es10(peer, S.GetCertsRequest.encode({}));
      expect(certs.sw).toBe('9000');
      expect(certs.data.length).toBeGreaterThan(256);
      expect(certs.data).toEqual(await card.getCerts());

      expect((await es10(peer, fromHex('bf7f00'))).sw).toBe('6a80');
    } finally {
      peer.socket.destroy();
      await vpcd.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
