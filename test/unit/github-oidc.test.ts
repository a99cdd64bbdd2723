import { describe, expect, it } from "vitest";
import { deployPolicy, oidcProviderArn, parseRepository, samePolicy, trustPolicy } from "../../src/state/github-oidc.js";

describe("the GitHub OIDC deploy role", () => {
  it("takes a repository as owner/repo and nothing else", () => {
    expect(parseRepository("acme/noveli")).toBe("acme/noveli");
    expect(parseRepository(" acme-corp/noveli.sh ")).toBe("acme-corp/noveli.sh");
    for (const bad of ["acme", "acme/", "/noveli", "acme/noveli/extra", "acme/*", "acme/noveli.git", "-acme/noveli", "https://github.com/acme/noveli"]) expect(parseRepository(bad), bad).toBeUndefined();
  });

  it("trusts only that repository's workflows, through GitHub's provider, for STS", () => {
    const provider = oidcProviderArn("aws", "111122223333");
    expect(provider).toBe("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com");
    expect(trustPolicy(provider, "acme/noveli")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: provider },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/noveli:*" },
          },
        },
      ],
    });
  });

  it("grants the state bucket's objects and the operations table by name", () => {
    const policy = deployPolicy({ partition: "aws", accountId: "111122223333", region: "eu-west-1", bucket: "noveli-tfstate-111122223333-eu-west-1", table: "noveli-ops" }) as { Statement: { Sid: string; Resource: unknown; Action: unknown }[] };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.StateObjects?.Resource).toBe("arn:aws:s3:::noveli-tfstate-111122223333-eu-west-1/noveli/*");
    expect(bySid.OperationsTable?.Resource).toBe("arn:aws:dynamodb:*:111122223333:table/noveli-ops");
    expect(bySid.OperationsTable?.Action).toContain("dynamodb:UpdateItem");
    expect(JSON.stringify(policy)).not.toMatch(/"Action":"\*"/);
  });

  it("compares policies by content, as IAM returns them (URL-encoded, keys in any order)", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
    expect(samePolicy(encodeURIComponent(JSON.stringify({ Statement: [{ Resource: "*", Action: "s3:GetObject", Effect: "Allow" }], Version: "2012-10-17" })), doc)).toBe(true);
    expect(samePolicy(JSON.stringify(doc), doc)).toBe(true);
    expect(samePolicy(JSON.stringify({ ...doc, Statement: [] }), doc)).toBe(false);
    expect(samePolicy(undefined, doc)).toBe(false);
  });
});
