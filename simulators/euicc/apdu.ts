// The APDU front of the virtual eUICC: ISO/IEC 7816-4 command APDUs in, response APDUs (data, SW1, SW2)
// out, as a PC/SC IPA or LPA (lpac, pySim, ChromeOS Hermes) sends them to a real eUICC. It keeps per-channel
// state (ISD-R selected, STORE DATA reassembly, the response waiting for GET RESPONSE) and hands each complete
// ES10 command TLV to the Es10Card. No node: imports: the vpcd transport lives in vpcd.ts.
// ISO/IEC 7816-4 section numbers below are those of the 2013 edition.
import { bytesEqual, concatBytes, fromHex } from '../../src/lib/bytes.ts';
import { Es10CommandError, type Es10Card } from './es10-card.ts';

/** ISD-R AID, SGP.02 v4.2 Annex H, which SGP.22 v2.5 uses for the ISD-R. */
export const ISD_R_AID = fromHex('a0000005591010ffffffff8900000100');

/** Basic channel 0, 1-3 through first interindustry CLA, 4-19 through further interindustry CLA (ISO/IEC 7816-4 §5.4.1). */
export const MAX_CHANNELS = 20;

/** Largest reassembled ES10 command: 256 STORE DATA blocks (P2 '00'-'FF') of at most 255 bytes fit; an extended-length block may not. */
export const MAX_COMMAND_LENGTH = 65536;

/**
 * The ATR the vpcd front answers with (ISO/IEC 7816-3 §8.2, ETSI TS 102 221 §6.3):
 * 3B direct convention; 9A TA1 and TD1 follow, 10 historical bytes; 96 TA1 Fi=512 Di=32 (usual UICC value);
 * 80 TD1 T=0 (lpac connects with SCARD_PROTOCOL_T0 only), TD2 follows; 1F TD2 T=15, TA3 follows;
 * C7 TA3 clock stop no preference, classes A, B and C. Historical bytes (ISO/IEC 7816-4 §8.1.1, compact-TLV):
 * 80 category; 31 80 card service data: application selection by full DF name; 73 80 21 1F card capabilities:
 * selection by full DF name, data coding 21, logical channels assigned by card and by interface device,
 * 8 or more channels, no command chaining, no extended length (accepted all the same); 82 90 00 status 9000.
 * Then TCK, required because T=15 is present.
 */
export const EUICC_ATR = fromHex('3b 9a 96 80 1f c7 80 31 80 73 80 21 1f 82 90 00 ba');

const INS_MANAGE_CHANNEL = 0x70;
const INS_SELECT = 0xa4;
const INS_TERMINAL_CAPABILITY = 0xaa;
const INS_GET_RESPONSE = 0xc0;
const INS_STORE_DATA = 0xe2;

/** Status words used here, ISO/IEC 7816-4 §5.6 tables 5 and 6 unless noted. */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CHANNEL_NOT_SUPPORTED: 0x6881,
  SECURE_MESSAGING_NOT_SUPPORTED: 0x6882,
  CHAINING_NOT_SUPPORTED: 0x6884,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  NOT_FOUND: 0x6a82,
  NOT_ENOUGH_MEMORY: 0x6a84,
  WRONG_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** FCI of the ISD-R: 6F { 84 AID, A5 { 9F65 max command data length FF } } (GlobalPlatform Card Spec v2.3 §11.9.3.1). */
const ISD_R_FCI = concatBytes(fromHex('6f188410'), ISD_R_AID, fromHex('a5049f6501ff'));

interface Command {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
  /** Ne, the most response bytes expected; 0 when Le is absent. */
  ne: number;
}

interface Channel {
  isdr: boolean;
  chain?: { blocks: Uint8Array[]; size: number; next: number };
  pending?: Uint8Array;
}

/** Parses the seven command cases, short and extended (ISO/IEC 7816-4 §5.1, table 1); undefined when malformed. */
export function parseCommand(apdu: Uint8Array): Command | undefined {
  if (apdu.length < 4) return undefined;
  const head = { cla: apdu[0]!, ins: apdu[1]!, p1: apdu[2]!, p2: apdu[3]! };
  const body = apdu.subarray(4);
  const none = new Uint8Array(0);
  if (body.length === 0) return { ...head, data: none, ne: 0 };
  if (body.length === 1) return { ...head, data: none, ne: body[0]! || 256 };
  if (body[0] !== 0) {
    const lc = body[0]!;
    if (body.length === 1 + lc) return { ...head, data: body.subarray(1), ne: 0 };
    if (body.length === 2 + lc) return { ...head, data: body.subarray(1, 1 + lc), ne: body[1 + lc]! || 256 };
    return undefined;
  }
  const n = (body[1]! << 8) | body[2]!;
  if (body.length === 3) return { ...head, data: none, ne: n || 65536 };
  if (n === 0) return undefined;
  if (body.length === 3 + n) return { ...head, data: body.subarray(3), ne: 0 };
  if (body.length === 5 + n) return { ...head, data: body.subarray(3, 3 + n), ne: ((body[3 + n]! << 8) | body[4 + n]!) || 65536 };
  return undefined;
}

/**
 * Logical channel from CLA (ISO/IEC 7816-4 §5.4.1; ETSI TS 102 221 §10.1.1 for the proprietary '8X' / 'CX'
 * classes that STORE DATA and lpac's and pySim's GET RESPONSE use), or the SW that refuses the class.
 */
function decodeClass(cla: number): { channel: number; proprietary: boolean } | number {
  const proprietary = (cla & 0x80) !== 0;
  if (cla === 0xff || (cla & 0x60) === 0x20) return SW.CLA_NOT_SUPPORTED; // 'FF' invalid; '2X', '3X', 'AX', 'BX' (GSM 'A0') unsupported
  const further = (cla & 0x40) !== 0;
  if (further ? cla & 0x20 : cla & 0x0c) return SW.SECURE_MESSAGING_NOT_SUPPORTED;
  if (cla & 0x10) return SW.CHAINING_NOT_SUPPORTED; // ISO command chaining; ES10 uses STORE DATA blocks instead
  return { channel: further ? 4 + (cla & 0x0f) : cla & 0x03, proprietary };
}

function withStatus(data: ArrayLike<number>, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

const status = (sw: number): Uint8Array => withStatus([], sw);

/**
 * Answers with at most Ne bytes and keeps the rest for GET RESPONSE, announced as 61xx (xx = bytes left,
 * '00' for 256 or more). Without Le (Ne = 0, as lpac and pySim send SELECT and STORE DATA) the whole response
 * waits for GET RESPONSE (ISO/IEC 7816-4 §5.1, Ne; what a T=0 eUICC does).
 */
function respond(channel: Channel, data: Uint8Array, ne: number): Uint8Array {
  const now = data.subarray(0, ne);
  const rest = data.subarray(now.length);
  if (rest.length === 0) return withStatus(now, SW.OK);
  channel.pending = rest;
  return withStatus(now, 0x6100 | (Math.min(rest.length, 256) & 0xff));
}

/** One APDU processor per reader connection. Calls to process() must not overlap (vpcd.ts serialises them). */
export class ApduProcessor {
  readonly #card: Es10Card;
  readonly #channels = new Map<number, Channel>();

  constructor(card: Es10Card) {
    this.#card = card;
    this.reset();
  }

  /** Power-up state: only the basic channel is open, nothing selected, nothing buffered. */
  reset(): void {
    this.#channels.clear();
    this.#channels.set(0, { isdr: false });
  }

  async process(apdu: Uint8Array): Promise<Uint8Array> {
    const cmd = parseCommand(apdu);
    if (!cmd) return status(SW.WRONG_LENGTH);
    const cls = decodeClass(cmd.cla);
    if (typeof cls === 'number') return status(cls);
    const channel = this.#channels.get(cls.channel);
    if (!channel) return status(SW.CHANNEL_NOT_SUPPORTED);
    if (cmd.ins === INS_GET_RESPONSE) return getResponse(channel, cmd);
    channel.pending = undefined; // any other command on the channel drops an unread response (ISO/IEC 7816-4 §5.1)
    switch (cmd.ins) {
      case INS_MANAGE_CHANNEL:
        return cls.proprietary ? status(SW.CLA_NOT_SUPPORTED) : this.#manageChannel(cls.channel, cmd);
      case INS_SELECT:
        return cls.proprietary ? status(SW.CLA_NOT_SUPPORTED) : select(channel, cmd);
      case INS_STORE_DATA:
        return cls.proprietary ? this.#storeData(channel, cmd) : status(SW.CLA_NOT_SUPPORTED);
      case INS_TERMINAL_CAPABILITY: // ETSI TS 102 221 §11.1.19; lpac sends it once after connecting
        return status(cls.proprietary ? SW.OK : SW.CLA_NOT_SUPPORTED);
      default:
        return status(SW.INS_NOT_SUPPORTED);
    }
  }

  /** MANAGE CHANNEL (ISO/IEC 7816-4 §11.1.2): open '00 70 00 00 01' (card assigns) or '00 70 00 nn'; close '00 70 80 nn'. */
  #manageChannel(origin: number, cmd: Command): Uint8Array {
    if (cmd.p1 === 0x00) {
      let n = cmd.p2;
      if (n === 0) {
        n = 1;
        while (this.#channels.has(n)) n++;
        if (n >= MAX_CHANNELS) return status(SW.FUNCTION_NOT_SUPPORTED);
      } else if (n >= MAX_CHANNELS || this.#channels.has(n)) return status(SW.WRONG_P1P2);
      // Opened from the basic channel the new one starts with nothing selected; from another channel it
      // inherits that channel's selection (ISO/IEC 7816-4 §11.1.2).
      this.#channels.set(n, { isdr: origin !== 0 && this.#channels.get(origin)!.isdr });
      return cmd.p2 === 0 ? withStatus([n], SW.OK) : status(SW.OK);
    }
    if (cmd.p1 === 0x80) {
      const n = cmd.p2 === 0 ? origin : cmd.p2; // lpac sends '00 70 80 nn 00': the Le is ignored
      if (n === 0) return status(SW.WRONG_P1P2); // the basic channel is never closed
      return status(this.#channels.delete(n) ? SW.OK : SW.REFERENCED_DATA_NOT_FOUND);
    }
    return status(SW.WRONG_P1P2);
  }

  /**
   * ES10 transport (SGP.22 v2.5 §5.7.2, GlobalPlatform Card Spec v2.3 §11.11): STORE DATA blocks with P1
   * '11' (more blocks) / '91' (last block), as lpac, pySim and Hermes send them; only b8 (last block) and
   * b3-b1 = 001 are checked. P2 is the block number from '00'; block '00' starts a new command and
   * abandons an unfinished one. The last block passes the whole command TLV to the card.
   */
  async #storeData(channel: Channel, cmd: Command): Promise<Uint8Array> {
    // Interpretation: ES10 commands go to the ISD-R, so it must be selected on this channel.
    if (!channel.isdr) return status(SW.CONDITIONS_NOT_SATISFIED);
    if ((cmd.p1 & 0x07) !== 0x01) return status(SW.WRONG_P1P2);
    if (cmd.data.length === 0) return status(SW.WRONG_LENGTH);
    const chain = cmd.p2 === 0 ? { blocks: [], size: 0, next: 0 } : channel.chain;
    channel.chain = undefined;
    if (!chain || cmd.p2 !== chain.next) return status(SW.WRONG_P1P2);
    if (chain.size + cmd.data.length > MAX_COMMAND_LENGTH) return status(SW.NOT_ENOUGH_MEMORY);
    chain.blocks.push(cmd.data.slice());
    chain.size += cmd.data.length;
    chain.next++;
    if ((cmd.p1 & 0x80) === 0) {
      channel.chain = chain;
      return status(SW.OK);
    }
    let response: Uint8Array;
    try {
      response = await this.#card.transmit(concatBytes(...chain.blocks));
    } catch (e) {
      return status(e instanceof Es10CommandError ? SW.WRONG_DATA : SW.NO_PRECISE_DIAGNOSIS);
    }
    return respond(channel, response, cmd.ne);
  }
}

/** SELECT by DF name (ISO/IEC 7816-4 §11.1.1): only the ISD-R exists; there is no file system to select in. */
function select(channel: Channel, cmd: Command): Uint8Array {
  if (cmd.p1 !== 0x04) return status(cmd.p1 <= 0x09 ? SW.NOT_FOUND : SW.WRONG_P1P2);
  if ((cmd.p2 & 0xf0) !== 0) return status(SW.WRONG_P1P2);
  if ((cmd.p2 & 0x03) !== 0 || !bytesEqual(cmd.data, ISD_R_AID)) return status(SW.NOT_FOUND); // one occurrence only
  channel.isdr = true;
  channel.chain = undefined;
  if ((cmd.p2 & 0x0c) === 0x0c) return status(SW.OK); // P2 '0C': no response data
  return respond(channel, ISD_R_FCI, cmd.ne);
}

/** GET RESPONSE (ISO/IEC 7816-4 §11.7.1), CLA '0X' or the '8X' that lpac and pySim send. */
function getResponse(channel: Channel, cmd: Command): Uint8Array {
  if (cmd.p1 !== 0 || cmd.p2 !== 0) return status(SW.WRONG_P1P2);
  const pending = channel.pending;
  if (!pending) return status(SW.CONDITIONS_NOT_SATISFIED);
  if (cmd.ne === 0) return status(SW.WRONG_LENGTH); // the response stays available
  channel.pending = undefined;
  return respond(channel, pending, cmd.ne);
}
