// The vpcd transport over real loopback sockets, in both roles, with a test peer that speaks the driver's
// side of the protocol (2-byte big-endian length framing, control bytes 00/01/02/04).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../src/lib/bytes.ts';
import { EUICC_ATR, ISD_R_AID } from '../../../simulators/euicc/apdu.ts';
import { parseHostPort, startVpcd, type VpcdHandle, type VpcdOptions } from '../../../simulators/euicc/vpcd.ts';
import { bigCommand, EID_RESPONSE, GET_EID, LIST_PROFILES, PROFILES_RESPONSE, StubCard } from './stub-card.ts';
import { POWER_OFF, POWER_ON, RESET, VpcdPeer } from './vpcd-peer.ts';

const AID = toHex(ISD_R_AID);
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listening(card = new StubCard(), options: VpcdOptions = {}) {
  const vpcd = await startVpcd(card, { listen: { host: '127.0.0.1', port: 0 } }, options);
  cleanup.push(() => vpcd.close());
  const peer = async () => {
    const p = await VpcdPeer.connect(vpcd.address.port);
    cleanup.push(() => void p.socket.destroy());
    return p;
  };
  return { card, vpcd, peer };
}

/** A driver in vpcd's default role: it listens, the card connects; each accepted socket is handed out in turn. */
async function driverServer(port = 0) {
  const accepted: VpcdPeer[] = [];
  const waiting: ((p: VpcdPeer) => void)[] = [];
  const server = net.createServer((s) => {
    const peer = new VpcdPeer(s);
    cleanup.push(() => void s.destroy());
    const w = waiting.shift();
    if (w) w(peer);
    else accepted.push(peer);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  const nextConnection = (): Promise<VpcdPeer> => {
    const ready = accepted.shift();
    return ready ? Promise.resolve(ready) : new Promise((r) => waiting.push(r));
  };
  return { server, port: (server.address() as net.AddressInfo).port, nextConnection };
}

async function connecting(port: number, card = new StubCard(), options: VpcdOptions = {}): Promise<VpcdHandle> {
  const vpcd = await startVpcd(card, { connect: { host: '127.0.0.1', port } }, { reconnectMs: { initial: 20, max: 100 }, ...options });
  cleanup.push(() => vpcd.close());
  return vpcd;
}

/** What pcscd and lpac do first: power on, ATR, open a channel, SELECT the ISD-R, GetEID. */
async function lpacGetEid(peer: VpcdPeer, channel = 1): Promise<void> {
  peer.control(POWER_ON);
  expect(await peer.atr()).toEqual(EUICC_ATR);
  expect(await peer.transmit('0070000001')).toBe(`0${channel}9000`);
  expect(await peer.transmit(`0${channel}a4040010${AID}`)).toBe('611a');
  expect(await peer.transmit(`8${channel}e2910006${toHex(GET_EID)}`)).toBe('6115');
  expect(await peer.transmit(`8${channel}c0000015`)).toBe(`${toHex(EID_RESPONSE)}9000`);
}

describe('vpcd listen role (driver configured with DEVICENAME host:port)', () => {
  it('binds port 0 to a real port and serves a whole lpac exchange', async () => {
    const { vpcd, peer } = await listening();
    expect(vpcd.address).toMatchObject({ host: '127.0.0.1' });
    expect(vpcd.address.port).toBeGreaterThan(0);
    await lpacGetEid(await peer());
  });

  it('close() ends the driver connection', async () => {
    const { vpcd, peer } = await listening();
    const p = await peer();
    expect(await p.atr()).toEqual(EUICC_ATR);
    await vpcd.close();
    await p.closed;
  });

  it('a new driver connection replaces the old one (one reader slot, one card)', async () => {
    const { peer } = await listening();
    const first = await peer();
    expect(await first.atr()).toEqual(EUICC_ATR);
    const second = await peer();
    await first.closed;
    await lpacGetEid(second);
  });
});

describe('vpcd connect role (the usual virtual-card role: the driver listens on 35963)', () => {
  it('connects to the driver and serves a whole lpac exchange', async () => {
    const driver = await driverServer();
    await connecting(driver.port);
    await lpacGetEid(await driver.nextConnection());
  });

  it('reconnects when the driver drops the connection mid-frame, and the card is reset', async () => {
    const driver = await driverServer();
    const card = new StubCard();
    await connecting(driver.port, card);
    const first = await driver.nextConnection();
    expect(await first.atr()).toEqual(EUICC_ATR);
    first.socket.write(fromHex('000a00a404')); // 10 bytes announced, 3 sent
    first.socket.destroy();
    const second = await driver.nextConnection();
    await lpacGetEid(second);
    expect(card.resets).toBeGreaterThanOrEqual(2); // the lost connection and the POWER_ON
  });

  it('keeps trying while nothing listens, and connects once the driver comes up', async () => {
    const probe = await driverServer();
    const port = probe.port;
    await new Promise<void>((r) => probe.server.close(() => r()));
    const lines: string[] = [];
    await connecting(port, new StubCard(), { log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 120));
    const driver = await driverServer(port);
    await lpacGetEid(await driver.nextConnection());
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(1); // reported once, not per attempt
  });
});

describe('vpcd framing and control bytes', () => {
  it('power off, power on and reset take no answer, reset the card and close the logical channels; ATR does not', async () => {
    const { card, peer } = await listening();
    const p = await peer();
    for (const control of [POWER_OFF, POWER_ON, RESET]) {
      expect(await p.transmit('0070000001')).toBe('019000');
      expect(await p.transmit(`00a4040010${AID}`)).toBe('611a');
      const before = card.resets;
      p.control(control);
      expect(await p.atr()).toEqual(EUICC_ATR); // the next answer is the ATR's: the control byte got none
      expect(card.resets).toBe(before + 1);
      expect(await p.transmit(`01a4040010${AID}`)).toBe('6881');
      expect(await p.transmit(`80e2910006${toHex(GET_EID)}`)).toBe('6985');
    }
    const before = card.resets;
    expect(await p.atr()).toEqual(EUICC_ATR);
    expect(card.resets).toBe(before);
  });

  it('ignores an unknown control byte and an empty message, and goes on answering', async () => {
    const { peer } = await listening();
    const p = await peer();
    p.control(0x03);
    p.send(new Uint8Array(0));
    expect(await p.atr()).toEqual(EUICC_ATR);
  });

  it('reassembles messages split byte by byte and answers pipelined messages in order', async () => {
    const { peer } = await listening();
    const p = await peer();
    const select = fromHex(`001500a4040010${AID}`);
    for (const b of select) p.socket.write(Uint8Array.of(b));
    expect(toHex(await p.next())).toBe('611a');
    const apdus = Array.from({ length: 50 }, (_, i) => (i % 2 ? fromHex('00c000001a') : fromHex(`00a4040010${AID}`)));
    p.socket.write(concatBytes(...apdus.map((a) => concatBytes(Uint8Array.of(0, a.length), a))));
    for (let i = 0; i < 50; i++) expect(toHex((await p.next()).subarray(-2))).toBe(i % 2 ? '9000' : '611a');
  });

  it('carries chained STORE DATA and a 700-byte answer through GET RESPONSE', async () => {
    const { card, peer } = await listening();
    const p = await peer();
    await p.transmit(`00a4040010${AID}`);
    const der = bigCommand(300);
    expect(await p.transmit(`80e2110078${toHex(der.subarray(0, 120))}`)).toBe('9000');
    expect(await p.transmit(`80e2110178${toHex(der.subarray(120, 240))}`)).toBe('9000');
    expect(await p.transmit(`80e291023c${toHex(der.subarray(240))}`)).toBe('6100');
    expect(card.commands).toEqual([der]);
    expect(await p.transmit(`80e2910003${toHex(LIST_PROFILES)}`)).toBe('6100');
    const pieces: string[] = [];
    for (let sw = '6100'; sw !== '9000'; ) {
      const r = await p.transmit(`80c00000${sw.slice(2)}`);
      pieces.push(r.slice(0, -4));
      sw = r.slice(-4);
    }
    expect(pieces.join('')).toBe(toHex(PROFILES_RESPONSE));
  });

  it('carries messages of the protocol maximum, 65535 bytes, both ways', async () => {
    const { card, peer } = await listening();
    const p = await peer();
    await p.transmit(`00a4040010${AID}`);
    const der = bigCommand(65528); // 7-byte extended header + 65528 = 65535
    expect(await p.transmit(`80e2910000fff8${toHex(der)}`)).toBe('6100');
    expect(card.commands).toEqual([der]);
    const all = await p.transmit('00c00000000000'); // extended Le: everything at once
    expect(all).toBe(`${toHex(der)}9000`);
  });

  it('closes the connection on a message longer than maxFrameLength, before reading its body', async () => {
    const { card, peer } = await listening(new StubCard(), { maxFrameLength: 300 });
    const p = await peer();
    p.socket.write(fromHex('1000 80e29100'.replace(/ /g, '')));
    await p.closed;
    expect(card.commands).toEqual([]);
  });

  it('a driver that disconnects mid-frame leaves the card reset and the listener serving the next driver', async () => {
    const { card, peer } = await listening();
    const p = await peer();
    p.socket.write(fromHex('000a80e29100'));
    p.socket.destroy();
    await p.closed;
    await expect.poll(() => card.resets).toBe(1);
    expect(card.commands).toEqual([]);
    await lpacGetEid(await peer());
  });
});

describe('parseHostPort', () => {
  it('reads HOST:PORT and [IPv6]:PORT', () => {
    expect(parseHostPort('127.0.0.1:35963')).toEqual({ host: '127.0.0.1', port: 35963 });
    expect(parseHostPort('[::1]:35963')).toEqual({ host: '::1', port: 35963 });
    expect(parseHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it.each(['127.0.0.1', 'host:70000', ':35963', '::1:35963', 'host:port'])('rejects %s', (text) => {
    expect(() => parseHostPort(text)).toThrow(TypeError);
  });
});
