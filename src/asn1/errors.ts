// Codec errors: every failure has a stable code, the path inside the value and the byte offset.

export type Asn1ErrorCode =
  | 'ERR_ASN1_TRUNCATED' // a length runs past the end of the input
  | 'ERR_ASN1_LENGTH' // a malformed length field
  | 'ERR_ASN1_TAG' // a tag that the type does not allow here
  | 'ERR_ASN1_MISSING' // a mandatory component is absent
  | 'ERR_ASN1_TRAILING' // bytes left over after the value
  | 'ERR_ASN1_VALUE' // content bytes that are not a valid value of the type
  | 'ERR_ASN1_CONSTRAINT' // a SIZE or value-range constraint is violated
  | 'ERR_ASN1_DEPTH' // nesting deeper than the codec allows
  | 'ERR_ASN1_TYPE' // encoder given a value of the wrong shape
  | 'ERR_ASN1_UNKNOWN_TYPE'; // no such type in the modules

export class Asn1Error extends Error {
  readonly code: Asn1ErrorCode;
  /** Dotted path from the outermost type, e.g. `EuiccPackageResult.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult[2]`. */
  path: string;
  /** Byte offset in the input where the problem was found (-1 when encoding). */
  readonly offset: number;
  readonly detail: string;

  constructor(code: Asn1ErrorCode, detail: string, offset = -1, path = '') {
    super('');
    this.name = 'Asn1Error';
    this.code = code;
    this.detail = detail;
    this.offset = offset;
    this.path = path;
    this.refreshMessage();
  }

  /** Prepends a path segment while the error travels outwards. */
  within(segment: string): this {
    if (segment) {
      this.path = this.path === '' ? segment : segment.startsWith('[') || this.path.startsWith('[') ? segment + this.path : `${segment}.${this.path}`;
    }
    this.refreshMessage();
    return this;
  }

  private refreshMessage(): void {
    const where = this.offset >= 0 ? ` at offset ${this.offset}` : '';
    this.message = `${this.code}: ${this.detail}${this.path ? ` (path ${this.path})` : ''}${where}`;
  }
}
