// The vsmartcard vpcd transport for the APDU front, so that pcscd with Debian's vsmartcard-vpcd driver shows
// the virtual eUICC as a card in a reader. Protocol (frankmorgner/vsmartcard, virtualsmartcard/src/vpcd/vpcd.c
// and vpicc/virtualsmartcard/VirtualSmartcard.py): every message, both ways, is a 2-byte big-endian length
// and that many bytes. A 1-byte message from the driver is a control byte: 00 power off, 01 power on,
// 02 reset (none answered), 04 get ATR (answered with the ATR). Any longer message is a command APDU,
// answered with the response APDU. The driver polls presence with get-ATR.
//
// Two roles, as vpcd has them: by default the driver listens on 35963 (VPCDPORT; reader.conf CHANNELID
// 0x8C7B, plus the slot) and the card connects to it (`connect`); with reader.conf DEVICENAME host:port the
// driver connects out to the card, which listens (`listen`). Checked against pcscd 1.9.9 with Debian's
// vsmartcard-vpcd 3.3 in both roles. In the listen role that driver also opens its second slot at port+1,
// and pcscd aborted ("bit out of range 0 - FD_SETSIZE on fd_set") while nothing answered there: run a
// second card on port+1, or use the connect role.
import net from 'node:net';
import { ApduProcessor, EUICC_ATR } from './apdu.ts';
import type { Es10Card } from './es10-card.ts';

export const VPCD_DEFAULT_PORT = 35963;

const CTRL_OFF = 0x00;
const CTRL_ON = 0x01;
const CTRL_RESET = 0x02;
const CTRL_ATR = 0x04;

export interface HostPort {
  host: string;
  port: number;
}

export type VpcdEndpoint = { connect: HostPort } | { listen: HostPort };

export interface VpcdOptions {
  /** Connection events, one line each (default: none). */
  log?: (line: string) => void;
  /** Longest message accepted; a longer one closes the connection (default and protocol maximum 65535). */
  maxFrameLength?: number;
  /** Connect role: delay before the first reconnection, doubled up to max (default 250 ms, 5 s). */
  reconnectMs?: { initial: number; max: number };
}

export interface VpcdHandle {
  /** connect: the driver's address; listen: the address actually bound (port 0 becomes a real port). */
  readonly address: HostPort;
  close(): Promise<void>;
}

/** Parses "HOST:PORT" or "[IPv6]:PORT", as --vpcd-connect and --vpcd-listen take it. Throws TypeError. */
export function parseHostPort(text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TypeError(`expected HOST:PORT, got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/** Starts the APDU front over vpcd in one role. Each connection gets its own ApduProcessor; all share the card. */
export function startVpcd(card: Es10Card, endpoint: VpcdEndpoint, options: VpcdOptions = {}): Promise<VpcdHandle> {
  return 'connect' in endpoint ? Promise.resolve(connectRole(card, endpoint.connect, options)) : listenRole(card, endpoint.listen, options);
}

/** One driver connection: frames in, one message at a time through the processor, frames out. */
class VpcdConnection {
  readonly #socket: net.Socket;
  readonly #card: Es10Card;
  readonly #processor: ApduProcessor;
  readonly #maxFrame: number;
  readonly #log: (line: string) => void;
  readonly #queue: Uint8Array[] = [];
  #header: number[] = [];
  #frame: Uint8Array | undefined;
  #filled = 0;
  #busy = false;
  #closed = false;

  constructor(socket: net.Socket, card: Es10Card, options: VpcdOptions) {
    this.#socket = socket;
    this.#card = card;
    this.#processor = new ApduProcessor(card);
    this.#maxFrame = Math.min(options.maxFrameLength ?? 0xffff, 0xffff);
    this.#log = options.log ?? (() => {});
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (e) => this.#log(`vpcd: ${e.message}`));
    socket.on('close', () => this.dispose());
  }

  /** The reader is gone: as for a card losing power, volatile card state goes too. Idempotent. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#card.reset();
  }

  /** Reassembles frames into preallocated buffers, so memory stays bounded by maxFrameLength. */
  #receive(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.#closed) {
      if (!this.#frame) {
        this.#header.push(chunk[i++]!);
        if (this.#header.length < 2) continue;
        const length = (this.#header[0]! << 8) | this.#header[1]!;
        this.#header = [];
        if (length > this.#maxFrame) {
          this.#log(`vpcd: ${length}-byte message exceeds ${this.#maxFrame}; closing the connection`);
          this.dispose();
          return;
        }
        this.#frame = new Uint8Array(length);
        this.#filled = 0;
      }
      const n = Math.min(this.#frame.length - this.#filled, chunk.length - i);
      this.#frame.set(chunk.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      if (this.#filled === this.#frame.length) {
        this.#queue.push(this.#frame);
        this.#frame = undefined;
      }
    }
    void this.#drain();
  }

  /** Handles queued messages in order; reading pauses meanwhile, so a driver that floods is held by TCP. */
  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#socket.pause();
    while (this.#queue.length > 0 && !this.#closed) {
      const reply = await this.#handle(this.#queue.shift()!);
      if (reply && !this.#closed) this.#socket.write(frame(reply));
    }
    this.#busy = false;
    if (!this.#closed) this.#socket.resume();
  }

  async #handle(message: Uint8Array): Promise<Uint8Array | undefined> {
    if (message.length === 0) return undefined; // VirtualSmartcard.py ignores an empty message too
    if (message.length > 1) {
      try {
        return await this.#processor.process(message);
      } catch (e) {
        this.#log(`vpcd: card failed: ${(e as Error).message}`);
        return Uint8Array.of(0x6f, 0x00);
      }
    }
    switch (message[0]) {
      case CTRL_ATR:
        return EUICC_ATR;
      case CTRL_OFF:
      case CTRL_ON:
      case CTRL_RESET:
        this.#processor.reset();
        this.#card.reset();
        return undefined;
      default:
        this.#log(`vpcd: unknown control byte ${message[0]}`);
        return undefined;
    }
  }
}

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 2);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

/** The card connects to the driver, and again with backoff whenever the connection fails or ends (pcscd restarts). */
function connectRole(card: Es10Card, target: HostPort, options: VpcdOptions): VpcdHandle {
  const { initial, max } = options.reconnectMs ?? { initial: 250, max: 5000 };
  const log = options.log ?? (() => {});
  let delay = initial;
  let stopped = false;
  let socket: net.Socket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reported = false;
  const attempt = (): void => {
    const s = net.connect(target.port, target.host);
    socket = s;
    s.once('connect', () => {
      delay = initial;
      reported = false;
      log(`vpcd: connected to ${target.host}:${target.port}`);
      new VpcdConnection(s, card, options);
    });
    s.on('error', (e) => {
      if (!reported) log(`vpcd: ${target.host}:${target.port}: ${e.message}; retrying`);
      reported = true;
    });
    s.once('close', () => {
      socket = undefined;
      if (stopped) return;
      timer = setTimeout(attempt, delay);
      delay = Math.min(delay * 2, max);
    });
  };
  attempt();
  return {
    address: target,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      const s = socket;
      if (s && !s.destroyed) await new Promise<void>((resolve) => s.once('close', () => resolve()).destroy());
    },
  };
}

/** The driver connects to the card. One reader slot holds one card: a new driver connection replaces the old. */
async function listenRole(card: Es10Card, at: HostPort, options: VpcdOptions): Promise<VpcdHandle> {
  let current: VpcdConnection | undefined;
  const server = net.createServer((socket) => {
    current?.dispose();
    options.log?.(`vpcd: driver connected from ${socket.remoteAddress}:${socket.remotePort}`);
    current = new VpcdConnection(socket, card, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => options.log?.(`vpcd: ${e.message}`));
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        current?.dispose();
        server.close(() => resolve());
      }),
  };
}
