// Files imported `with { type: "file" }` resolve to a path (real, or inside /$bunfs/ when compiled).
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/htmx.min.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "*/public/js/app.js" {
  const path: string;
  export default path;
}
declare module "*/public/js/live.js" {
  const path: string;
  export default path;
}
declare module "*/public/js/run-logs.js" {
  const path: string;
  export default path;
}
declare module "*/public/js/forms.js" {
  const path: string;
  export default path;
}
