// Tests read response bodies loosely and assert on them; production code never does.
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
export {};
