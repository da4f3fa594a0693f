// jsforce 3 drives a sandbox org through one everyday workflow and prints what it saw as JSON.
//
//   node jsforce_workflows.js WORKFLOW
//
// Environment: SANDBOX_URL, and either SANDBOX_TOKEN (session) or SANDBOX_CLIENT_ID +
// SANDBOX_USERNAME + SANDBOX_KEY_FILE (the Connected App's JWT bearer login, signed here with
// node's crypto as any JWT client signs it). NODE_EXTRA_CA_CERTS trusts the sandbox's CA; TLS
// verification stays on. Exit 0 with the result on stdout; exit 1 with the error on stderr.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const jsforce = require('jsforce');

const API_VERSION = '62.0';

function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

function jwtAssertion() {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iss: process.env.SANDBOX_CLIENT_ID,
      sub: process.env.SANDBOX_USERNAME,
      aud: process.env.SANDBOX_URL,
      exp: Math.floor(Date.now() / 1000) + 180,
    }),
  );
  const key = fs.readFileSync(process.env.SANDBOX_KEY_FILE);
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), key);
  return `${header}.${claims}.${base64url(signature)}`;
}

async function connect() {
  const url = process.env.SANDBOX_URL;
  if (process.env.SANDBOX_TOKEN) {
    return new jsforce.Connection({
      instanceUrl: url,
      accessToken: process.env.SANDBOX_TOKEN,
      version: API_VERSION,
    });
  }
  const conn = new jsforce.Connection({ loginUrl: url, version: API_VERSION });
  const userInfo = await conn.authorize({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: jwtAssertion(),
  });
  return Object.assign(conn, { loggedInAs: userInfo });
}

function records(stream) {
  return new Promise((resolve, reject) => {
    const out = [];
    stream.on('record', (r) => out.push(r));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

const WORKFLOWS = {
  // Query with autoFetch across pages, then queryMore by hand from the first page.
  async query(conn) {
    const headers = { 'Sforce-Query-Options': 'batchSize=200' };
    const all = await conn.query('SELECT Id, Email, Owner.Name FROM Lead', { headers })
      .run({ autoFetch: true, maxFetch: 100000 });
    const first = await conn.query('SELECT Id FROM Lead ORDER BY Id', { headers });
    const second = await conn.queryMore(first.nextRecordsUrl);
    return {
      totalSize: all.totalSize,
      fetched: all.records.length,
      distinct: new Set(all.records.map((r) => r.Id)).size,
      owners: all.records.filter((r) => r.Owner && r.Owner.Name).length,
      firstPage: first.records.length,
      firstDone: first.done,
      secondPage: second.records.length,
      overlap: second.records.filter((r) => first.records.some((f) => f.Id === r.Id)).length,
    };
  },

  // scanAll (queryAll) sees records in the recycle bin; query does not.
  async scanAll(conn) {
    const soql = 'SELECT Id, IsDeleted FROM Task WHERE IsDeleted = true';
    const live = await conn.query(soql);
    const all = await conn.query(soql, { scanAll: true }).run({ autoFetch: true });
    return { live: live.totalSize, deleted: all.records.filter((r) => r.IsDeleted).length };
  },

  async describe(conn) {
    const global = await conn.describeGlobal();
    const lead = await conn.sobject('Lead').describe();
    const task = await conn.sobject('Task').describe();
    const field = (d, name) => d.fields.find((f) => f.name === name);
    return {
      objects: global.sobjects.map((o) => o.name),
      leadKeyPrefix: lead.keyPrefix,
      leadOwnerTargets: field(lead, 'OwnerId').referenceTo,
      taskWhoTargets: field(task, 'WhoId').referenceTo,
      statusValues: field(lead, 'Status').picklistValues.map((p) => p.value),
    };
  },

  async limits(conn) {
    const limits = await conn.limits();
    return { daily: limits.DailyApiRequests, apiUsage: conn.limitInfo && conn.limitInfo.apiUsage };
  },

  // Collections update with one bad record: the good one is saved, the bad one says why.
  async collections(conn) {
    const lead = (await conn.query('SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1'))
      .records[0];
    const results = await conn.sobject('Lead').update(
      [
        { Id: lead.Id, Title: 'Head of Conformance' },
        { Id: lead.Id.slice(0, 3) + 'ZZZZZZZZZZZZZZZ', Title: 'nobody' },
        { Id: lead.Id, Email: 'not an address' },
      ],
      { allOrNone: false },
    );
    const after = await conn.sobject('Lead').retrieve(lead.Id);
    return { results, title: after.Title };
  },

  // Bulk API 2.0 query (all pages) and an ingest job with a failed row.
  async bulk2(conn) {
    conn.bulk2.pollInterval = 200;
    conn.bulk2.pollTimeout = 60000;
    const rows = await records(await conn.bulk2.query('SELECT Id, Email FROM Lead'));
    const open = (await conn.query('SELECT Id FROM Lead WHERE IsConverted = false LIMIT 2'))
      .records;
    const ingest = await conn.bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'update',
      // CSV as a loader writes it (jsforce takes its header from the first record only).
      input: `Id,Title,Email\n${open[0].Id},Bulk Conformance,\n${open[1].Id},,still not an address\n`,
      pollInterval: 200,
      pollTimeout: 60000,
    });
    return {
      queried: rows.length,
      distinct: new Set(rows.map((r) => r.Id)).size,
      successful: ingest.successfulResults.map((r) => r.sf__Id),
      failed: ingest.failedResults.map((r) => ({ id: r.sf__Id, error: r.sf__Error })),
      expectedSuccess: open[0].Id,
    };
  },

  async identity(conn) {
    const identity = await conn.identity();
    return {
      user_id: identity.user_id,
      organization_id: identity.organization_id,
      username: identity.username,
      loggedInAs: conn.loggedInAs || null,
    };
  },
};

async function main() {
  const name = process.argv[2];
  const workflow = WORKFLOWS[name];
  if (!workflow) {
    throw new Error(`unknown workflow ${name}; one of ${Object.keys(WORKFLOWS).join(', ')}`);
  }
  const conn = await connect();
  const result = await workflow(conn);
  process.stdout.write(JSON.stringify({ jsforce: jsforce.VERSION, result }));
}

main().catch((err) => {
  process.stderr.write(`${err.name || 'Error'}: ${err.message}\n${err.stack || ''}\n`);
  process.exit(1);
});
