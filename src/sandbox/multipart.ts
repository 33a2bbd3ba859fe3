// A small, strict multipart/form-data parser (RFC 7578) for media upload: no library is installed and the
// sandbox must notice a malformed body the way a real server would.

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartError extends Error {}

/** The boundary of a `multipart/form-data` Content-Type, or undefined when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const [type, ...params] = contentType.split(';');
  if (type!.trim().toLowerCase() !== 'multipart/form-data') return undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value || undefined;
  }
  return undefined;
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  // Parameters: name="x"; filename="y" (quoted strings may contain `;`).
  const re = /;\s*([a-zA-Z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(value))) {
    const key = match[1]!.toLowerCase();
    const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    if (key === 'name') out.name = raw;
    else if (key === 'filename') out.filename = raw;
  }
  return out;
}

export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = buf.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('no multipart boundary found in the body');
  for (;;) {
    pos += delimiter.length;
    // `--` right after a delimiter closes the body.
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return parts;
    // Transport padding, then CRLF.
    while (buf[pos] === 0x20 || buf[pos] === 0x09) pos++;
    if (buf[pos] !== 0x0d || buf[pos + 1] !== 0x0a) throw new MultipartError('malformed multipart delimiter line');
    pos += 2;
    const headerEnd = buf.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new MultipartError('multipart part without a header terminator');
    const headers = new Map<string, string>();
    for (const line of buf.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      if (!line) continue;
      const colon = line.indexOf(':');
      if (colon < 0) throw new MultipartError(`malformed multipart header: ${line}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const dataStart = headerEnd + 4;
    const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart);
    if (next < 0) throw new MultipartError('multipart body is not terminated by its boundary');
    const disposition = headers.get('content-disposition');
    if (!disposition || !/^form-data\b/i.test(disposition)) throw new MultipartError('multipart part without Content-Disposition: form-data');
    const { name, filename } = parseDisposition(disposition);
    if (name === undefined) throw new MultipartError('multipart part without a name');
    parts.push({ name, filename, contentType: headers.get('content-type'), data: Buffer.from(buf.subarray(dataStart, next)) });
    pos = next + 2;
  }
}
