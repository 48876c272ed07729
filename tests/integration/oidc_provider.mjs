// oidc_provider.mjs — a local OpenID Connect provider standing in for a Cognito
// user pool's hosted UI (moto has none), for tests/integration/test_serve_hostedui.py.
//
//   node tests/integration/oidc_provider.mjs CONFIG.json
//
// CONFIG: {"port": N, "clients": [{"client_id", "client_secret", "redirect_uris": [...],
//          "logout_uris": [...]}], "users": [{"login", "sub", "cognito_username", "email",
//          "name"}]}
// The issuer is http://127.0.0.1:<port>. Endpoints use Cognito's paths:
//   GET  /oauth2/authorize          authorization-code grant (PKCE required here)
//   POST /oauth2/token              client_secret_basic
//   GET  /oauth2/userInfo
//   GET  /.well-known/jwks.json     RS256 key made at start
//   GET  /logout?client_id=&logout_uri=   Cognito's sign-out: logout_uri must be one of
//                                   the client's sign-out URLs
// Id tokens carry Cognito's claims: cognito:username, email, name, token_use "id",
// aud = client id, iss, nonce.
// Interactions are driven by the test, not a browser:
//   GET /interaction/<uid>?login=<login>   signs that user in (consent is automatic)
//   GET /interaction/<uid>?deny=1          the user declines: error=access_denied
//   GET /interaction/<uid>                 a minimal HTML form for a person
// Test hooks:
//   POST /test/next-id-token {claims}      the next token response's id token gets these
//                                          claims, re-signed with the provider's own key
//                                          (a provider that misbehaves, not a forgery)
//   GET  /test/logouts                     the sign-outs seen so far, as JSON
// A Cognito-backed sign-in (what cloudalbum-verify's hosted-UI step needs: it signs in a
// user it has just made in the pool, with a password, through an HTML form). Optional keys:
//   "issuer"      the issuer the tokens carry (default http://127.0.0.1:<port>); give the
//                 pool's (https://cognito-idp.<region>.amazonaws.com/<pool id>) so the app
//                 checks hosted-UI tokens and password sign-in tokens alike, as with Cognito
//   "extra_jwks"  a JWKS URL (the pool's on moto) whose keys /.well-known/jwks.json also
//                 publishes, beside the provider's own
//   "cognito"     {"endpoint": URL}: GET /interaction/<uid> is a sign-in form (username,
//                 password, POST); the password is checked with the pool's InitiateAuth
//                 (USER_PASSWORD_AUTH, the client's SECRET_HASH) at the endpoint, and the
//                 id token's claims are those of the pool's id token for that user
// Prints "ready <issuer>" on stdout once listening.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = config.issuer || `http://127.0.0.1:${config.port}`;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'test-key-1';
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const users = config.users || [];
// accounts signed in through the Cognito-backed form: sub -> the pool's id-token claims
const poolAccounts = new Map();
const clients = config.clients || [];
let nextIdTokenClaims = null;
const logouts = [];

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

function resign(idToken, overrides) {
  const [, payload] = idToken.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...overrides };
  const head = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const input = `${head}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 65536) throw new Error('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 65536) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// The pool's InitiateAuth (USER_PASSWORD_AUTH): the id token's claims, or null when the
// pool refuses the password. InitiateAuth is an unsigned call, as a browser's would be.
async function poolSignIn(clientId, username, password) {
  const client = clients.find((c) => c.client_id === clientId);
  if (!client) return null;
  const secretHash = createHmac('sha256', client.client_secret)
    .update(username + clientId).digest('base64');
  const res = await fetch(config.cognito.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password, SECRET_HASH: secretHash },
    }),
    signal: AbortSignal.timeout(10000),
  });
  if (res.status !== 200) return null;
  const token = (await res.json()).AuthenticationResult?.IdToken;
  if (!token) return null;
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

async function publishedKeys() {
  const keys = [publicJwk];
  if (config.extra_jwks) {
    const res = await fetch(config.extra_jwks, { signal: AbortSignal.timeout(10000) });
    keys.push(...(await res.json()).keys);
  }
  return { keys };
}

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.logout_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  async findAccount(ctx, sub) {
    const pooled = poolAccounts.get(sub);
    if (pooled) {
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            'cognito:username': pooled['cognito:username'],
            token_use: 'id',
            email: pooled.email,
            email_verified: true,
            name: pooled.name,
          };
        },
      };
    }
    const user = users.find((u) => u.sub === sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          'cognito:username': user.cognito_username,
          token_use: 'id',
          email: user.email,
          email_verified: true,
          name: user.name,
        };
      },
    };
  },
  claims: {
    openid: ['sub', 'cognito:username', 'token_use'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Cognito puts the scopes' claims in the id token of the code flow too.
  conformIdTokenClaims: false,
  routes: {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    userinfo: '/oauth2/userInfo',
    jwks: '/.well-known/jwks.json',
    end_session: '/oidc/session/end',
  },
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: { AuthorizationCode: 120, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
});

async function interaction(ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result;
  if (config.cognito && prompt.name === 'login') {
    let failed = '';
    if (ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const claims = await poolSignIn(params.client_id, form.get('username') || '',
                                      form.get('password') || '');
      if (claims) {
        poolAccounts.set(claims.sub, claims);
        result = { login: { accountId: claims.sub } };
      } else {
        failed = '<p>Incorrect username or password.</p>';
      }
    }
    if (!result) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign in</title>${failed}
<form method="post" action="${escapeHtml(ctx.path)}">
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<input type="hidden" name="ui" value="1">
<button>Sign in</button></form>`;
      return;
    }
  } else if (ctx.query.deny) {
    result = { error: 'access_denied', error_description: 'The user declined to sign in.' };
  } else if (prompt.name === 'login') {
    const user = users.find((u) => u.login === ctx.query.login);
    if (!user) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign in</title><form method="get">
<label>User <input name="login"></label> <button>Sign in</button>
<button name="deny" value="1">Cancel</button></form>
<p>Client ${escapeHtml(params.client_id)}</p>`;
      return;
    }
    result = { login: { accountId: user.sub } };
  } else if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details || {};
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  } else {
    ctx.status = 400;
    ctx.body = `unexpected prompt ${prompt.name}`;
    return;
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

// Cognito's sign-out endpoint: GET /logout?client_id=&logout_uri=
function logout(ctx) {
  const client = clients.find((c) => c.client_id === ctx.query.client_id);
  const target = ctx.query.logout_uri;
  if (!client || !target || !(client.logout_uris || []).includes(target)) {
    ctx.status = 400;
    ctx.body = 'Required String parameter logout_uri is not a sign-out URL of this client.';
    return;
  }
  logouts.push({ client_id: client.client_id, logout_uri: target });
  for (const name of ['_session', '_session.legacy', '_session.sig', '_session.legacy.sig']) {
    ctx.cookies.set(name, null);
  }
  ctx.redirect(target);
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) return interaction(ctx);
  if (config.cognito && ctx.method === 'POST' && ctx.path.startsWith('/interaction/')) {
    return interaction(ctx);
  }
  if (config.extra_jwks && ctx.method === 'GET' && ctx.path === '/.well-known/jwks.json') {
    ctx.body = await publishedKeys();
    return undefined;
  }
  if (ctx.method === 'GET' && ctx.path === '/logout') return logout(ctx);
  if (ctx.method === 'GET' && ctx.path === '/test/logouts') {
    ctx.body = logouts;
    return undefined;
  }
  if (ctx.method === 'POST' && ctx.path === '/test/next-id-token') {
    nextIdTokenClaims = (await readJson(ctx.req)).claims || {};
    ctx.status = 204;
    return undefined;
  }
  await next();
  if (ctx.path === '/oauth2/token' && ctx.status === 200 && nextIdTokenClaims &&
      ctx.body && typeof ctx.body.id_token === 'string') {
    ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, nextIdTokenClaims) };
    nextIdTokenClaims = null;
  }
  return undefined;
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
