/** @jsxImportSource hono/jsx */
// The sign-in page (/connexion): one field, the API key, posted once to get a session cookie
// (web/session.ts). Signed in already, it says as whom and offers to sign out.
import type { Viewer } from '../auth/viewer.js';
import { Layout } from './layout.js';

export function SignInPage(props: {
  next: string;
  viewer: Viewer;
  csrf: { name: string; value: string };
  error?: string;
}) {
  const signedIn = props.viewer.role !== 'anonymous';
  return (
    <Layout title="Connexion" crumbs={[{ label: 'Foncier', href: '/' }, { label: 'Connexion' }]}>
      <section class="sign-in">
        {signedIn ? (
          <>
            <p>
              Vous êtes connecté avec la clé <strong>{props.viewer.name}</strong> (rôle {props.viewer.role}).
            </p>
            <p>
              <a href={props.next}>Continuer</a>
            </p>
            <SignOutForm csrf={props.csrf} />
          </>
        ) : null}
        <p>
          Saisissez une fois votre clé d’API (<code>fnc_…</code>) : elle est échangée contre une session de deux heures
          au plus. La clé n’est pas conservée dans le navigateur.
        </p>
        {props.error ? (
          <p class="form-error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/connexion" class="stacked-form">
          {signedIn ? <input type="hidden" name={props.csrf.name} value={props.csrf.value} /> : null}
          <input type="hidden" name="suivant" value={props.next} />
          <label for="cle">Clé d’API</label>
          <input
            id="cle"
            name="cle"
            type="password"
            autocomplete="current-password"
            required
            spellcheck={false}
            aria-invalid={props.error ? 'true' : undefined}
          />
          <button type="submit">Se connecter</button>
        </form>
      </section>
    </Layout>
  );
}

/** The sign-out button, for any signed-in page. */
export function SignOutForm(props: { csrf: { name: string; value: string } }) {
  return (
    <form method="post" action="/deconnexion" class="sign-out">
      <input type="hidden" name={props.csrf.name} value={props.csrf.value} />
      <button type="submit">Se déconnecter</button>
    </form>
  );
}
