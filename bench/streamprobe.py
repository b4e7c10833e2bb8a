"""Times chat completions over raw sockets: the first byte, every server-sent event and the end.

wrk times whole responses only; a streamed answer also needs the time to the first byte and the
gaps between chunks, seen the way a client sees them (a batching proxy shows up as two events
arriving in one read, a gap near 0). Standard library only; one thread, one selector, so the
client's own jitter is the same for every target it measures.
"""

import selectors
import socket
import time


class Response:
    """One HTTP/1.1 response read incrementally: status line, headers, body (length or chunked)."""

    def __init__(self):
        self.status = 0
        self.first_byte = None
        self.events = []  # (time, raw event bytes), for text/event-stream bodies
        self.body = bytearray()
        self.end = None
        self._raw = bytearray()
        self._headers_done = False
        self._chunked = False
        self._remaining = None  # bytes left in the body (length) or the current chunk (chunked)
        self._sse = bytearray()

    @property
    def complete(self):
        return self.end is not None

    def feed(self, data, now):
        if self.first_byte is None:
            self.first_byte = now
        self._raw += data
        if not self._headers_done and not self._read_headers():
            return
        if self._chunked:
            self._read_chunks(now)
        else:
            take = min(self._remaining, len(self._raw))
            self._body_bytes(bytes(self._raw[:take]), now)
            del self._raw[:take]
            self._remaining -= take
            if self._remaining == 0:
                self.end = now

    def _read_headers(self):
        head_end = self._raw.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        lines = self._raw[:head_end].decode("latin-1").split("\r\n")
        del self._raw[: head_end + 4]
        self.status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._remaining = 0 if self._chunked else int(headers.get("content-length", "0"))
        self._headers_done = True
        return True

    def _read_chunks(self, now):
        while True:
            if self._remaining == 0:
                line_end = self._raw.find(b"\r\n")
                if line_end < 0:
                    return
                size = int(self._raw[:line_end].split(b";")[0], 16)
                if size == 0:
                    if len(self._raw) < line_end + 4:  # the last chunk's empty trailer line
                        return
                    del self._raw[: line_end + 4]
                    self.end = now
                    return
                del self._raw[: line_end + 2]
                self._remaining = size + 2  # the data and its CRLF
            take = min(self._remaining, len(self._raw))
            if take == 0:
                return
            data = bytes(self._raw[:take])
            del self._raw[:take]
            self._remaining -= take
            if self._remaining < 2:  # part of the chunk's trailing CRLF was taken
                data = data[: len(data) - (2 - self._remaining)]
            self._body_bytes(data, now)

    def _body_bytes(self, data, now):
        self.body += data
        self._sse += data
        while True:
            at = self._sse.find(b"\n\n")
            if at < 0:
                return
            self.events.append((now, bytes(self._sse[:at])))
            del self._sse[: at + 2]


def request_bytes(port, path, token, body):
    payload = body.encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def chat_once(port, path, token, body, timeout=5.0):
    """One request on a new connection. Raises OSError while nothing listens on the port."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request_bytes(port, path, token, body))
        response = Response()
        while not response.complete:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed before the response was complete")
            response.feed(data, time.perf_counter())
        return response


def run_streams(port, path, token, body, count, concurrency, timeout=120.0):
    """
    Sends `count` requests over `concurrency` keep-alive connections, each connection sending
    its next request when the previous response is complete. Returns one dict per response.
    """
    payload = request_bytes(port, path, token, body)
    selector = selectors.DefaultSelector()
    results = []
    started = 0
    deadline = time.monotonic() + timeout

    def send(sock):
        nonlocal started
        started += 1
        state = {"sent": time.perf_counter(), "response": Response()}
        sock.sendall(payload)
        selector.modify(sock, selectors.EVENT_READ, state)

    sockets = []
    try:
        for _ in range(min(concurrency, count)):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sockets.append(sock)
            selector.register(sock, selectors.EVENT_READ, None)
        for sock in sockets:
            send(sock)
        while len(results) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(results)} of {count} streams finished within {timeout:.0f} s")
            for key, _ in selector.select(timeout=1.0):
                data = key.fileobj.recv(65536)
                now = time.perf_counter()
                if not data:
                    raise ConnectionError("the server closed a connection in the middle of a response")
                state = key.data
                state["response"].feed(data, now)
                if state["response"].complete:
                    results.append(summarize(state["sent"], state["response"]))
                    if started < count:
                        send(key.fileobj)
    finally:
        for sock in sockets:
            selector.unregister(sock)
            sock.close()
        selector.close()
    return results


def summarize(sent, response):
    """Times in milliseconds from sending the request. Content events are those with choices."""
    content = [t for t, raw in response.events if b'"choices":[{' in raw]
    return {
        "status": response.status,
        "ttfb": (response.first_byte - sent) * 1000,
        "first_event": (response.events[0][0] - sent) * 1000 if response.events else None,
        "gaps": [(b - a) * 1000 for a, b in zip(content, content[1:])],
        "tail": (response.end - content[-1]) * 1000 if content else None,
        "total": (response.end - sent) * 1000,
        "content_events": len(content),
        "usage_seen": any(b'"usage":{' in raw for _, raw in response.events),
        "done_seen": any(raw == b"data: [DONE]" for _, raw in response.events),
    }
