// Streamed responses: an async generator of text chunks as a byte stream. The generator is
// pulled only as fast as the client reads (flat memory), and returned when the client goes
// away, so its `finally` blocks close cursors and transactions.
export function textStream(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
