// The account page: password, two-factor authentication, sessions and API keys. Each section is
// also answered alone (its id is the htmx target) when one of its forms is posted.
import { ApiKeysCard, type ApiKeysCardProps } from "../components/auth-api-keys.tsx";
import { PasswordCard, type PasswordCardProps } from "../components/auth-password.tsx";
import { SessionsCard, type SessionsCardProps } from "../components/auth-sessions.tsx";
import { TotpCard, type TotpCardProps } from "../components/auth-totp.tsx";
import { Layout } from "../layout.tsx";

export interface AccountPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  password: PasswordCardProps;
  totp: TotpCardProps;
  sessions: SessionsCardProps;
  apiKeys: ApiKeysCardProps;
}

export function AccountPage(props: AccountPageProps) {
  return (
    <Layout title="Account" username={props.username} active="account" theme={props.theme}>
      <div class="stack">
        <h1 class="m0">
          Account{" "}
          <span class="muted" safe>
            {props.username}
          </span>
        </h1>
        <div class="two-col account-grid">
          <TotpCard {...props.totp} />
          <PasswordCard {...props.password} />
        </div>
        <SessionsCard {...props.sessions} />
        <ApiKeysCard {...props.apiKeys} />
      </div>
    </Layout>
  );
}
