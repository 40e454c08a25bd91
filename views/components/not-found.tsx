// A page's "nothing here" answer inside the shell (a job or run that was deleted, a bad id).
import { Layout } from "../layout.tsx";

export function NotFoundPage(props: { username: string; theme?: "light" | "dark" | "system"; message: string }) {
  return (
    <Layout title="Not found" username={props.username} theme={props.theme}>
      <div class="card empty">
        <h1>Not found</h1>
        <p safe>{props.message}</p>
        <a class="btn" href="/">
          Back to the dashboard
        </a>
      </div>
    </Layout>
  );
}
