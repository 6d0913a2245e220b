// A stand-in Es10Card for the APDU front's tests: it records what reaches it, answers a GetEuiccDataRequest
// (BF3E) with a fixed EID, a ProfileInfoListRequest (BF2D) with 700 bytes, echoes any other BFxx command TLV (so a reassembled command can be compared
// byte for byte, and a long one comes back long enough to need GET RESPONSE), and rejects anything else
// with Es10CommandError, as the real card does for bytes that are not an ES10 command.
import { fromHex } from '../../../src/lib/bytes.ts';
import { Es10CommandError, type Es10Card } from '../../../simulators/euicc/es10-card.ts';

export const EID = '89049032123451234512345678901235';
/** BF3E { 5A EID }: the GetEuiccDataResponse (SGP.22 v2.5 §5.7.20). */
export const EID_RESPONSE = fromHex(`bf3e125a10${EID}`);
/** BF3E { 5C 5A }: the GetEuiccDataRequest lpac sends. */
export const GET_EID = fromHex('bf3e035c015a');

/** BF2D {}: a ProfileInfoListRequest, whose stand-in answer is 700 bytes long (icons make real ones long too). */
export const LIST_PROFILES = fromHex('bf2d00');
export const PROFILES_RESPONSE = bigCommand(700);

export class StubCard implements Es10Card {
  readonly commands: Uint8Array[] = [];
  resets = 0;

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.commands.push(command.slice());
    if (command[0] !== 0xbf) throw new Es10CommandError('not an ES10 command');
    if (command[1] === 0x3e) return EID_RESPONSE;
    if (command[1] === 0x2d) return PROFILES_RESPONSE;
    return command.slice();
  }

  reset(): void {
    this.resets++;
  }
}

/** A BF7F TLV of exactly `total` bytes (total ≥ 5): long-form length 82 hi lo, filled with a counting pattern. */
export function bigCommand(total: number): Uint8Array {
  const out = new Uint8Array(total);
  out.set([0xbf, 0x7f, 0x82, (total - 5) >> 8, (total - 5) & 0xff]);
  for (let i = 5; i < total; i++) out[i] = i & 0xff;
  return out;
}
