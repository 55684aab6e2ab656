/** Nobody is signed in: one button to the identity provider, and back to this very page after. */
import { useLocation } from "react-router";
import { usePageTitle } from "../components/PageTitle";
import { signInUrl } from "../api/session";

export function SignInPage() {
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
        <a className="button button-primary button-block" href={signInUrl(returnTo)}>
          Sign in with Google
        </a>
        {returnTo !== "/" && <p className="muted small">After signing in you will come back to the page you asked for.</p>}
      </div>
    </main>
  );
}
