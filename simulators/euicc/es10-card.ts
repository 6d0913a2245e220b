// The boundary between the virtual eUICC and whatever drives it (an in-process IPA, or the APDU front
// that PC/SC IPAs reach through vpcd). One ES10 command in, one ES10 response out, both complete DER
// TLVs as SGP.22 v2.5 §5.7 / SGP.32 v1.2 §5.9 define them (e.g. BF3E... GetEuiccDataRequest in,
// BF3E... out). Transport concerns (APDU chaining, logical channels, GET RESPONSE) live outside.

export interface Es10Card {
  /**
   * Executes one ES10 command TLV and returns the response TLV. Card-level errors are encoded in the
   * response as the spec defines. Throws Es10CommandError only when the bytes are not a well-formed,
   * known ES10 command (the APDU front answers SW 6A80 for that).
   */
  transmit(command: Uint8Array): Promise<Uint8Array>;
  /** Called on a card reset / power cycle: drops volatile session state (download session, challenge). */
  reset(): void;
}

export class Es10CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Es10CommandError';
  }
}
