// The most messages one mbox download or one bulk action of the console takes:
// the confirmation page lists each one and its form carries their ids, so it
// stays a page a browser draws and a form it posts at once. Past it, the CLI
// takes the same filters (`export`, `delete --yes`, `requeue --yes`).
export const SELECTION_MAX = 500;
