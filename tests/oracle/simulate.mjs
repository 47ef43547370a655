// The independent IAM oracle for the integration tests: reads a JSON array of questions on stdin,
// answers each with @cloud-copilot/iam-simulate's evaluation engine, writes a JSON array of
// answers on stdout.
//
// A question: {principal, action, resource, context: {key: value | [values]},
//              identity: [policy documents], resourcePolicy: document | null}
// An answer:  {result: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied", failed: [conditions]}
//
// The package's checked entry point (runSimulation) drops context keys its data does not list for
// the action — token.actions.githubusercontent.com:sub and :aud among them — so a trust policy's
// sub/aud conditions would never be evaluated. This script calls the engine's authorize() itself,
// which evaluates the context exactly as given, and proves at start-up that it does (a token with
// a wrong sub must be denied) before answering anything.
import { loadPolicy, validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';

const engine = new URL('./node_modules/@cloud-copilot/iam-simulate/dist/esm/', import.meta.url);
const { authorize } = await import(new URL('core_engine/CoreSimulatorEngine.js', engine));
const { AwsRequestImpl } = await import(new URL('request/request.js', engine));
const { RequestContextImpl } = await import(new URL('requestContext.js', engine));
const { DiscoveryContextKeyConstraints } = await import(new URL('context_keys/discoveryContextKeyConstraints.js', engine));

function accountOf(arn) {
  const parts = String(arn).split(':');
  return parts.length > 5 && parts[4] ? parts[4] : undefined;
}

function answer(q) {
  const isRole = /^arn:[^:]+:iam::\d{12}:role\//.test(q.resource);
  const errors = [];
  if (q.resourcePolicy) {
    errors.push(...(isRole ? validateTrustPolicy : validateResourcePolicy)(q.resourcePolicy));
  }
  for (const p of q.identity ?? []) errors.push(...validateIdentityPolicy(p));
  if (errors.length) return { error: JSON.stringify(errors) };
  const analysis = authorize({
    request: new AwsRequestImpl(
      q.principal,
      // An action on "*" (ecr:GetAuthorizationToken) is asked in the caller's own account.
      { resource: q.resource, accountId: accountOf(q.resource) ?? accountOf(q.principal) ?? '000000000000' },
      q.action,
      new RequestContextImpl(q.context ?? {}),
    ),
    sessionPolicy: undefined,
    identityPolicies: (q.identity ?? []).map((p, i) => loadPolicy(p, { name: `identity${i}` })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: q.resourcePolicy ? loadPolicy(q.resourcePolicy, { name: 'resource' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
  });
  const failed = [...analysis.identityAnalysis.unmatchedStatements, ...analysis.resourceAnalysis.unmatchedStatements]
    .flatMap((s) => (s.explain?.conditions ?? []).filter((c) => !c.matches).map((c) => `${c.operator}(${c.conditionKeyValue})`));
  return { result: analysis.result, failed };
}

// Start-up proof that GitHub claims are evaluated, not ignored.
const host = 'token.actions.githubusercontent.com';
const provider = `arn:aws:iam::123456789012:oidc-provider/${host}`;
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${host}:sub`]: 'repo:o/r:*' } } }],
};
const probe = (sub) => answer({ principal: provider, action: 'sts:AssumeRoleWithWebIdentity',
  resource: 'arn:aws:iam::123456789012:role/R', context: { [`${host}:aud`]: 'sts.amazonaws.com', [`${host}:sub`]: sub },
  identity: [], resourcePolicy: trust }).result;
if (probe('repo:o/r:ref:refs/heads/main') !== 'Allowed' || probe('repo:o/evil:ref:refs/heads/main') !== 'ImplicitlyDenied') {
  console.error('oracle self-check failed: the engine does not evaluate the GitHub sub condition');
  process.exit(2);
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(JSON.parse(input).map(answer)));
