// The sandbox's consent page: real HTML a person (or a headless browser) can use, like TikTok's.
// Everything reflected from the request is escaped.
import type { AccountRecord } from './types.js';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f1f1f2;margin:0;color:#161823}
main{max-width:420px;margin:48px auto;background:#fff;border-radius:12px;padding:28px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 4px}p.sub{color:#57585f;margin:0 0 20px;font-size:14px}
fieldset{border:1px solid #e3e3e4;border-radius:8px;margin:0 0 16px;padding:8px 12px}legend{font-size:13px;color:#57585f;padding:0 4px}
label.acct{display:flex;gap:10px;align-items:center;padding:8px 0;cursor:pointer}
.kind{font-size:11px;color:#8a8b91;margin-left:auto}ul{padding-left:20px;margin:4px 0 0;font-size:14px}
.buttons{display:flex;gap:12px;margin-top:20px}button{flex:1;border:0;border-radius:6px;padding:12px;font-size:15px;cursor:pointer}
#approve{background:#fe2c55;color:#fff}#deny{background:#f1f1f2;color:#161823}
.badge{display:inline-block;background:#25f4ee33;color:#0b7f7b;border-radius:4px;font-size:11px;padding:2px 6px;margin-bottom:12px}`;

export interface ConsentPageInput {
  appName: string;
  accounts: AccountRecord[];
  defaultBusinessId: string;
  scopes: string[];
  /** Hidden fields carried to the decision POST. */
  hidden: Record<string, string>;
  action: string;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const title = `Authorize ${input.appName}`;
  const accounts = input.accounts
    .map((a, i) => {
      const checked = a.business_id === input.defaultBusinessId || (i === 0 && !input.accounts.some((x) => x.business_id === input.defaultBusinessId));
      const kind = a.account_type === 'business' ? 'Business account' : 'Personal account';
      return `<label class="acct"><input type="radio" name="business_id" value="${escapeHtml(a.business_id)}"${checked ? ' checked' : ''}><span><strong>@${escapeHtml(a.username)}</strong><br>${escapeHtml(a.display_name)}</span><span class="kind">${kind}</span></label>`;
    })
    .join('\n');
  const hidden = Object.entries(input.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const scopes = input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<span class="badge">TikTok sandbox</span>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${escapeHtml(input.appName)} wants to access your TikTok account.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hidden}
<fieldset><legend>Choose an account</legend>
${accounts}
</fieldset>
<fieldset><legend>${escapeHtml(input.appName)} will be able to</legend><ul id="scopes">${scopes}</ul></fieldset>
<div class="buttons">
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
</div>
</form>
</main></body></html>`;
}

export function renderErrorPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><span class="badge">TikTok sandbox</span><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}
