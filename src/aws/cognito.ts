import { AdminDeleteUserCommand, AdminInitiateAuthCommand, CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

export { CognitoIdentityProviderClient };

/** The sign-in of a user pool's user through an app client with the admin password flow. */
export interface AdminSignIn {
  userPoolId: string;
  clientId: string;
  username: string;
  password: string;
}

/** AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH): the user's ID token. Needs IAM credentials of the account. */
export async function adminPasswordSignIn(client: CognitoIdentityProviderClient, signIn: AdminSignIn, signal?: AbortSignal): Promise<{ idToken: string }> {
  const answer = await client.send(
    new AdminInitiateAuthCommand({
      UserPoolId: signIn.userPoolId,
      ClientId: signIn.clientId,
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: signIn.username, PASSWORD: signIn.password },
    }),
    signal ? { abortSignal: signal } : {},
  );
  const idToken = answer.AuthenticationResult?.IdToken;
  if (!idToken) {
    const challenge = answer.ChallengeName ? ` (the pool asks for ${answer.ChallengeName})` : "";
    throw new Error(`AdminInitiateAuth returned no ID token${challenge}`);
  }
  return { idToken };
}

/** AdminDeleteUser; false when the pool has no such user. */
export async function adminDeleteUser(client: CognitoIdentityProviderClient, userPoolId: string, username: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username }), signal ? { abortSignal: signal } : {});
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === "UserNotFoundException") return false;
    throw error;
  }
}
