/** Nobody is signed in: one button to the identity provider, and back to this very page after. */
import { useLocation } from "react-router";
import { usePageTitle } from "../components/PageTitle";
import { signInUrl, type SignInMode } from "../api/session";

const BUTTON: Readonly<Record<SignInMode, string>> = {
  provider: "Sign in with Google",
  development: "Sign in (development)",
  unavailable: "Sign in with Google",
};

export function SignInPage({ mode }: { mode: SignInMode }) {
  usePageTitle("Sign in");
  const location = useLocation();
  const returnTo = location.pathname + location.search;
  return (
    <main className="center-page" id="main">
      <div className="card signin">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark">T</span>
          <span className="brand-name">TrueParser</span>
          <span className="brand-sub">console</span>
        </div>
        <h1>Sign in</h1>
        <p>Register your organisation, create apps and get the client credentials your backend uses to call TrueParser.</p>
        {mode === "development" && (
          <p className="banner banner-warn" role="note">
            <strong>Development sign-in.</strong> This server runs on this machine without an identity provider: any
            e-mail address you type signs you in. It is never offered in production.
          </p>
        )}
        {mode === "unavailable" && (
          <p className="banner banner-bad" role="alert">
            Sign-in is not configured on this server: its operator must set <code>OIDC_CLIENT_ID</code> and{" "}
            <code>OIDC_CLIENT_SECRET</code>.
          </p>
        )}
        <a className="button button-primary button-block" href={signInUrl(returnTo)}>
          {BUTTON[mode]}
        </a>
        {returnTo !== "/" && <p className="muted small">After signing in you will come back to the page you asked for.</p>}
      </div>
    </main>
  );
}
