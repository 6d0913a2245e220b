// The APDU processor on its own: the exact command sequences lpac and pySim send, ISO/IEC 7816-4 logical
// channels and GET RESPONSE, STORE DATA chaining, and the status words for what a real eUICC refuses.
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { ApduProcessor, EUICC_ATR, ISD_R_AID, parseCommand } from '../../../simulators/euicc/apdu.ts';
import type { Es10Card } from '../../../simulators/euicc/es10-card.ts';
import { bigCommand, EID_RESPONSE, GET_EID, LIST_PROFILES, PROFILES_RESPONSE, StubCard } from './stub-card.ts';

const AID = toHex(ISD_R_AID);

function setup(card: Es10Card = new StubCard()) {
  const p = new ApduProcessor(card);
  /** Sends hex, returns the response as hex with a space before the SW, e.g. "0190 00" → "01 9000". */
  const send = async (hex: string): Promise<string> => {
    const r = toHex(await p.process(fromHex(hex)));
    return r.length > 4 ? `${r.slice(0, -4)} ${r.slice(-4)}` : r;
  };
  return { p, send };
}

/** lpac's es10x_command (euicc/es10x.c): 120-byte STORE DATA blocks P1 '11' / '91', then GET RESPONSE '80 C0 00 00 sw2' while 61xx. */
async function lpacCommand(p: ApduProcessor, channel: number, der: Uint8Array): Promise<{ data: Uint8Array; sw: number }> {
  const parts: Uint8Array[] = [];
  let sw = 0;
  for (let block = 0, at = 0; at < der.length; block++, at += 120) {
    const chunk = der.subarray(at, at + 120);
    const last = at + 120 >= der.length;
    let r = await p.process(concatBytes(Uint8Array.of(0x80 | channel, 0xe2, last ? 0x91 : 0x11, block, chunk.length), chunk));
    for (;;) {
      parts.push(r.subarray(0, -2));
      sw = (r[r.length - 2]! << 8) | r[r.length - 1]!;
      if (sw >> 8 !== 0x61) break;
      r = await p.process(Uint8Array.of(0x80 | channel, 0xc0, 0x00, 0x00, sw & 0xff));
    }
    if (sw >> 8 !== 0x90) break;
  }
  return { data: concatBytes(...parts), sw };
}

describe('ATR', () => {
  it('is well formed: T0 counts the historical bytes, TCK makes the XOR of T0..TCK zero, T=0 is offered first', () => {
    const atr = EUICC_ATR;
    expect(atr[0]).toBe(0x3b);
    expect(atr[1]! & 0x0f).toBe(10); // historical bytes
    expect(atr.length).toBe(2 + 4 + 10 + 1); // TS T0, TA1 TD1 TD2 TA3, historical, TCK
    expect(atr[3]! & 0x0f).toBe(0); // TD1: T=0, the only protocol lpac asks pcscd for
    expect(atr.subarray(1).reduce((x, b) => x ^ b, 0)).toBe(0);
  });
});

describe('lpac session (driver/apdu/pcsc.c, euicc/es10x.c)', () => {
  it('terminal capability, MANAGE CHANNEL open, SELECT ISD-R answering 61xx, GET RESPONSE returns the FCI', async () => {
    const { send } = setup();
    expect(await send('80aa00000aa9088100820101830107')).toBe('9000');
    expect(await send('0070000001')).toBe('01 9000');
    expect(await send(`01a4040010${AID}`)).toBe('611a');
    expect(await send('01c000001a')).toBe(`6f188410${AID}a5049f6501ff 9000`);
  });

  it('GetEID over STORE DATA on channel 1: 61xx, then GET RESPONSE with CLA 81', async () => {
    const { p, send } = setup();
    await send('0070000001');
    await send(`01a4040010${AID}`);
    expect(await send(`81e2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(await send('81c0000015')).toBe(`${toHex(EID_RESPONSE)} 9000`);
    expect(await lpacCommand(p, 1, GET_EID)).toEqual({ data: EID_RESPONSE, sw: 0x9000 });
  });

  it('a 600-byte command goes in five chained blocks, reaches the card once, and its 600-byte answer comes back over GET RESPONSE', async () => {
    const card = new StubCard();
    const { p, send } = setup(card);
    await send('0070000001');
    await send(`01a4040010${AID}`);
    const der = bigCommand(600);
    expect(await lpacCommand(p, 1, der)).toEqual({ data: der, sw: 0x9000 });
    expect(card.commands).toEqual([der]);
  });

  it('closes its channel with "00 70 80 nn 00"', async () => {
    const { send } = setup();
    await send('0070000001');
    expect(await send('0070800100')).toBe('9000');
    expect(await send(`01a4040010${AID}`)).toBe('6881');
  });
});

describe('pySim (pySim/euicc.py, transport: GET RESPONSE with the CLA of the command)', () => {
  it('SELECT with P2 04, single-block STORE DATA P1 91, GET RESPONSE "81 C0 00 00 xx"', async () => {
    const { send } = setup();
    await send('0070000001');
    expect(await send(`01a4040410${AID}`)).toBe('611a');
    expect(await send(`81e2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(await send('81c0000015')).toBe(`${toHex(EID_RESPONSE)} 9000`);
  });
});

describe('responses over 256 bytes', () => {
  async function ready() {
    const s = setup();
    await s.send(`00a4040010${AID}`);
    return s;
  }

  it('without Le: 6100, then 256-byte GET RESPONSE pieces announced by 61xx until 9000', async () => {
    const { p } = await ready();
    const der = bigCommand(600);
    const first = await p.process(concatBytes(fromHex('80e29100'), Uint8Array.of(0, 600 >> 8, 600 & 0xff), der));
    expect(toHex(first)).toBe('6100');
    const a = await p.process(fromHex('80c0000000'));
    expect([a.length, toHex(a.subarray(-2))]).toEqual([258, '6100']); // 344 left: "256 or more"
    const b = await p.process(fromHex('00c0000000'));
    expect([b.length, toHex(b.subarray(-2))]).toEqual([258, '6158']); // 88 left
    const c = await p.process(fromHex('00c0000058'));
    expect(toHex(c.subarray(-2))).toBe('9000');
    expect(concatBytes(a.subarray(0, -2), b.subarray(0, -2), c.subarray(0, -2))).toEqual(der);
  });

  it('with a short Le: the first 256 bytes inline, then 61xx', async () => {
    const { p } = await ready();
    const r = await p.process(fromHex(`80e2910003${toHex(LIST_PROFILES)}00`));
    expect(toHex(r.subarray(-2))).toBe('6100'); // 444 left
    expect(r.subarray(0, -2)).toEqual(PROFILES_RESPONSE.subarray(0, 256));
    const rest = await p.process(fromHex('80c0000000'));
    expect(toHex(rest.subarray(-2))).toBe('61bc'); // 188 left
    expect(rest.subarray(0, -2)).toEqual(PROFILES_RESPONSE.subarray(256, 512));
  });

  it('with an extended Le: the whole response at once', async () => {
    const { p } = await ready();
    const der = bigCommand(1000);
    const r = await p.process(concatBytes(fromHex('80e2910000'), Uint8Array.of(1000 >> 8, 1000 & 0xff), der, Uint8Array.of(0, 0)));
    expect(r).toEqual(concatBytes(der, fromHex('9000')));
  });

  it('GET RESPONSE with a smaller Le than announced hands out the rest in turn', async () => {
    const { send } = await ready();
    expect(await send(`80e2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(await send('00c0000005')).toBe('bf3e125a10 6110');
    expect(await send('00c0000010')).toBe(`${toHex(EID_RESPONSE.subarray(5))} 9000`);
  });
});

describe('STORE DATA chaining', () => {
  it('block 00 starts over, abandoning an unfinished command', async () => {
    const card = new StubCard();
    const { send } = setup(card);
    await send(`00a4040010${AID}`);
    expect(await send('80e2110003bf7f00')).toBe('9000');
    expect(await send(`80e2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(card.commands).toEqual([GET_EID]);
  });

  it('a block out of sequence is refused with 6A86 and the command dropped', async () => {
    const card = new StubCard();
    const { send } = setup(card);
    await send(`00a4040010${AID}`);
    expect(await send('80e2110003bf3e03')).toBe('9000');
    expect(await send('80e2910203035c01')).toBe('6a86');
    expect(await send('80e2910103035c01')).toBe('6a86'); // the chain is gone
    expect(card.commands).toEqual([]);
  });

  it('a command over 64 KiB is refused with 6A84 before it reaches the card', async () => {
    const card = new StubCard();
    const { p, send } = setup(card);
    await send(`00a4040010${AID}`);
    const block = new Uint8Array(40000).fill(0xbf);
    const apdu = (p1: number, p2: number) => concatBytes(Uint8Array.of(0x80, 0xe2, p1, p2, 0, 40000 >> 8, 40000 & 0xff), block);
    expect(toHex(await p.process(apdu(0x11, 0)))).toBe('9000');
    expect(toHex(await p.process(apdu(0x91, 1)))).toBe('6a84');
    expect(card.commands).toEqual([]);
  });
});

describe('logical channels (ISO/IEC 7816-4 §5.4.1, §11.1.2)', () => {
  it('the card assigns the lowest free channel, up to 19; CLA 4X / CX reach channels 4 to 19', async () => {
    const { send } = setup();
    for (let n = 1; n < 20; n++) expect(await send('0070000001')).toBe(`${n.toString(16).padStart(2, '0')} 9000`);
    expect(await send('0070000001')).toBe('6a81');
    expect(await send(`4fa4040010${AID}`)).toBe('611a'); // channel 19
    expect(await send(`cfe2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(await send('cfc0000015')).toBe(`${toHex(EID_RESPONSE)} 9000`);
    expect(await send('0070801300')).toBe('9000');
    expect(await send(`4fa4040010${AID}`)).toBe('6881');
    expect(await send('0070000001')).toBe('13 9000');
  });

  it('channels keep their own selection and pending response', async () => {
    const { send } = setup();
    await send('0070000001');
    await send('0070000001');
    expect(await send(`01a4040010${AID}`)).toBe('611a');
    expect(await send(`82e2910006${toHex(GET_EID)}`)).toBe('6985'); // ISD-R not selected on channel 2
    expect(await send('01c000001a')).toMatch(/^6f18.* 9000$/); // channel 1's FCI survived
  });

  it('opening a given channel, opening it twice, closing the basic channel, closing one never opened', async () => {
    const { send } = setup();
    expect(await send('0070000500')).toBe('9000');
    expect(await send('0070000500')).toBe('6a86');
    expect(await send('0070800000')).toBe('6a86');
    expect(await send('0070800700')).toBe('6a88');
  });

  it('a channel opened from a channel with the ISD-R selected inherits the selection; from the basic channel it does not', async () => {
    const { send } = setup();
    await send(`00a4040010${AID}`);
    await send('0070000001');
    expect(await send(`81e2910006${toHex(GET_EID)}`)).toBe('6985');
    await send(`01a4040010${AID}`);
    expect(await send('0170000001')).toBe('02 9000');
    expect(await send(`82e2910006${toHex(GET_EID)}`)).toBe('6115');
  });

  it('reset() closes every channel but the basic one and forgets the selection', async () => {
    const { p, send } = setup();
    await send('0070000001');
    await send(`00a4040010${AID}`);
    p.reset();
    expect(await send(`01a4040010${AID}`)).toBe('6881');
    expect(await send(`80e2910006${toHex(GET_EID)}`)).toBe('6985');
  });
});

describe('status words for what is refused', () => {
  it.each([
    ['unknown INS (READ BINARY)', '00b0000000', '6d00'],
    ['STORE DATA with an interindustry CLA', `00e2910006${toHex(GET_EID)}`, '6e00'],
    ['SELECT with a proprietary CLA', `80a4040010${AID}`, '6e00'],
    ['CLA FF', 'ffa4040000', '6e00'],
    ['GSM class A0', 'a0a40000023f00', '6e00'],
    ['secure messaging CLA 0C', `0ca4040010${AID}`, '6882'],
    ['command chaining CLA 10', `10a4040010${AID}`, '6884'],
    ['SELECT of an unknown AID', '00a4040007a0000000871002', '6a82'],
    ['SELECT of the MF by file identifier', '00a40004023f00', '6a82'],
    ['SELECT with P1 outside the selection methods', `00a4400010${AID}`, '6a86'],
    ['STORE DATA before the ISD-R is selected', `80e2910006${toHex(GET_EID)}`, '6985'],
    ['GET RESPONSE with nothing pending', '00c0000000', '6985'],
    ['Lc disagreeing with the data length', '80e29100ff00', '6700'],
    ['fewer than four bytes', '00a404', '6700'],
  ])('%s', async (_name, apdu, sw) => {
    const { send } = setup();
    expect(await send(apdu)).toBe(sw);
  });

  it('bytes the card rejects as no ES10 command (Es10CommandError) give 6A80; any other card failure 6F00', async () => {
    const { send } = setup();
    await send(`00a4040010${AID}`);
    expect(await send('80e29100023000')).toBe('6a80');
    const failing = setup({ transmit: () => Promise.reject(new Error('boom')), reset: () => {} });
    await failing.send(`00a4040010${AID}`);
    expect(await failing.send(`80e2910006${toHex(GET_EID)}`)).toBe('6f00');
  });

  it('STORE DATA with P1 b3-b1 other than 001 gives 6A86; GET RESPONSE with P1-P2 other than 0000 gives 6A86', async () => {
    const { send } = setup();
    await send(`00a4040010${AID}`);
    expect(await send(`80e2800006${toHex(GET_EID)}`)).toBe('6a86');
    expect(await send(`80e2910006${toHex(GET_EID)}`)).toBe('6115');
    expect(await send('00c0010015')).toBe('6a86');
  });

  it('another command on the channel drops the pending response', async () => {
    const { send } = setup();
    expect(await send(`00a4040010${AID}`)).toBe('611a');
    expect(await send('80aa0000')).toBe('9000');
    expect(await send('00c000001a')).toBe('6985');
  });
});

describe('parseCommand (ISO/IEC 7816-4 §5.1 cases)', () => {
  it.each([
    ['case 1', '00a40400', 0, 0],
    ['case 2S, Le 00 = 256', '00c0000000', 0, 256],
    ['case 3S', '00a4040002aabb', 2, 0],
    ['case 4S', '00a4040002aabb10', 2, 16],
    ['case 2E, Le 0000 = 65536', '00c00000000000', 0, 65536],
    ['case 3E', '80e29100000002aabb', 2, 0],
    ['case 4E', '80e29100000002aabb0100', 2, 256],
  ])('%s', (_name, hex, lc, ne) => {
    const c = parseCommand(fromHex(hex))!;
    expect([c.data.length, c.ne]).toEqual([lc, ne]);
  });

  it.each([['Lc past the end', '00a4040005aabb'], ['extended Lc of zero', '80e2910000000000'], ['three bytes', '00a404']])('rejects %s', (_n, hex) => {
    expect(parseCommand(fromHex(hex))).toBeUndefined();
  });
});
