// The ESipa server: both bindings (ASN.1 and JSON) over HTTPS, one error mapper.
export { createEsipaServer, DEFAULT_MAX_BODY_BYTES, type EsipaServer, type EsipaServerOptions } from './server.ts';
export { ASN1_PATH, JSON_PREFIX } from './router.ts';
export { ASN1_MEDIA_TYPE, DEFAULT_ADMIN_PROTOCOL, JSON_MEDIA_TYPE } from './respond.ts';
export { ERROR_TABLES, failedHeader } from './json-status.ts';
