// The driver's side of the vpcd protocol for the tests (what vsmartcard's vpcd.c does inside pcscd):
// 2-byte big-endian length framing, control bytes, and reading the card's framed answers.
import net from 'node:net';
import { concatBytes, fromHex, toHex } from '../../../src/lib/bytes.ts';

export const POWER_OFF = 0x00;
export const POWER_ON = 0x01;
export const RESET = 0x02;
export const GET_ATR = 0x04;

export class VpcdPeer {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #buffer: Uint8Array = new Uint8Array(0);
  #waiting: ((frame: Uint8Array) => void) | undefined;
  readonly #frames: Uint8Array[] = [];

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = concatBytes(this.#buffer, chunk);
      while (this.#buffer.length >= 2) {
        const n = (this.#buffer[0]! << 8) | this.#buffer[1]!;
        if (this.#buffer.length < 2 + n) break;
        this.#frames.push(this.#buffer.slice(2, 2 + n));
        this.#buffer = this.#buffer.subarray(2 + n);
      }
      this.#deliver();
    });
  }

  static connect(port: number): Promise<VpcdPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new VpcdPeer(s)));
      s.once('error', reject);
    });
  }

  /** Writes one message with its 2-byte big-endian length. */
  send(message: Uint8Array): void {
    this.socket.write(concatBytes(Uint8Array.of(message.length >> 8, message.length & 0xff), message));
  }

  control(byte: number): void {
    this.send(Uint8Array.of(byte));
  }

  /** The next framed message from the card (rejects after 2 s). */
  next(): Promise<Uint8Array> {
    const ready = this.#frames.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the card within 2 s')), 2000);
      this.#waiting = (f) => {
        clearTimeout(timer);
        resolve(f);
      };
    });
  }

  /** Sends a hex APDU, returns the hex answer. */
  async transmit(hex: string): Promise<string> {
    this.send(fromHex(hex));
    return toHex(await this.next());
  }

  async atr(): Promise<Uint8Array> {
    this.control(GET_ATR);
    return this.next();
  }

  #deliver(): void {
    if (!this.#waiting || this.#frames.length === 0) return;
    const w = this.#waiting;
    this.#waiting = undefined;
    w(this.#frames.shift()!);
  }
}
