// Types whose decoded values keep the exact bytes received, because a signature covers them.
// Signatures are always verified over these bytes, never over a re-encoding
// (SGP.32 v1.2 §2.11 / §3 result signatures; SGP.22 v2.5 §5.5 and §5.7 server/eUICC signatures).
export const KEEP_RAW: readonly string[] = [
  // SGP.32 v1.2: eIM package signed by the eIM; results and errors signed by the eUICC.
  'SGP32Definitions.EuiccPackageSigned',
  'SGP32Definitions.EuiccPackageResultDataSigned',
  'SGP32Definitions.EuiccPackageErrorDataSigned',
  // SGP.22 v2.5: mutual authentication, download and notifications.
  'RSPDefinitions.ServerSigned1',
  'RSPDefinitions.EuiccSigned1',
  'RSPDefinitions.SmdpSigned2',
  'SGP32Definitions.EuiccSigned1', // SGP.32 redefines it for the IoT context (v1.2 §5.9)
  'SGP32Definitions.CompactEuiccSigned1',
  'SGP32Definitions.CompactEuiccSigned2',
  'RSPDefinitions.EUICCSigned2',
  'RSPDefinitions.ProfileInstallationResultData',
  'RSPDefinitions.EuiccCancelSessionSigned',
  'RSPDefinitions.NotificationMetadata',
  // X.509: certificate and CRL signatures cover the TBS part.
  'PKIX1Explicit88.TBSCertificate',
  'PKIX1Explicit88.TBSCertList',
];

/**
 * Extra tags accepted on decode for one component, where deployed implementations disagree with the
 * module. Encoding always uses the module's tag. Keyed by Module.Type.component[.component...].
 */
export const TAG_ALIASES: Readonly<Record<string, readonly (readonly [cls: number, num: number])[]>> = {
  // SGP.32 v1.2 §2.11.1.1.3: enable.rollbackFlag is a universal NULL (05 00) because iccid is tagged,
  // so the SEQUENCE gets no automatic tags. Some IPA/eUICC tests send it as [1] (81 00); accept both.
  'SGP32Definitions.Psmo.enable.rollbackFlag': [[2, 1]],
};
