#!/usr/bin/env python3
"""A small website for the fetch tool's tests, and a recorder of forbidden connections.

Serves on 127.0.0.1 (any free port). A recorder listens on the same free port number of
127.0.0.2 and on another port of 127.0.0.1: any connection to it is appended to
RECORD_FILE, which must stay empty. Requested paths are appended to LOG_FILE.
Prints "SITE_PORT OTHER_PORT" on one line when ready.
"""
import http.server
import socket
import sys
import threading
import time

log_file, record_file = sys.argv[1], sys.argv[2]


def recorder(sock):
    while True:
        conn, peer = sock.accept()
        with open(record_file, "a") as f:
            f.write(f"connection to {sock.getsockname()} from {peer}\n")
        conn.close()


# One port number free on both addresses: the first free one on 127.0.0.2 may be taken on
# 127.0.0.1 (by any other test's connection), so try again until both binds succeed.
for attempt in range(100):
    other = socket.socket()
    other.bind(("127.0.0.2", 0))
    OTHER = other.getsockname()[1]
    same_host_other_port = socket.socket()
    try:
        same_host_other_port.bind(("127.0.0.1", OTHER))
        break
    except OSError:
        other.close()
        same_host_other_port.close()
else:
    sys.exit("no port free on both 127.0.0.1 and 127.0.0.2")
other.listen(16)
same_host_other_port.listen(16)
for s in (other, same_host_other_port):
    threading.Thread(target=recorder, args=(s,), daemon=True).start()

PAGES = {
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private\n"),
    "/index.html": ("text/html", """<html><head><title>Home &amp; Garden</title></head><body>
        <script>var hidden = "never shown";</script><style>p { color: red }</style>
        <h1>Welcome home</h1><p>This is the start page of the test site.</p>
        <a href="/a.html">A</a> <a href='b.html#section'>B</a> <a href="/a.html">A again</a>
        <a href="http://127.0.0.2:{OTHER}/other">another host</a>
        <a href="http://127.0.0.1:{OTHER}/port">another port</a>
        <a href="https://127.0.0.1:{SITE}/tls">another scheme</a>
        <a href="mailto:someone@example.com">mail</a>
        <a href="/private/secret.html">secret</a> <a href="/image.png">image</a> <a href="/missing.html">missing</a>
        </body></html>"""),
    "/a.html": ("text/html", "<title>Page A</title><p>Alpha words here.</p><a href='/c.html'>C</a>"),
    "/b.html": ("text/html", "<title>Page B</title><p>Beta words here.</p>"),
    "/c.html": ("text/html", "<title>Page C</title><p>Gamma.</p>"),
    "/private/secret.html": ("text/html", "<title>Secret</title>"),
    "/image.png": ("image/png", "\x89PNG"),
    "/plain.txt": ("text/plain", "just   some\n text"),
    "/big.html": ("text/html", "<title>Big</title>" + "<p>" + "word " * 600_000 + "</p>"),
}


class Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log_file, "a") as f:
            f.write(self.path + "\n")
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.2:{OTHER}/landed")
            self.end_headers()
            return
        if self.path == "/unavailable":
            self.send_response(503)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/slow.html":
            time.sleep(5)
        page = PAGES.get(self.path) or (("text/html", "<title>Slow</title>") if self.path == "/slow.html" else None)
        if page is None:
            self.send_error(404)
            return
        body = page[1].replace("{OTHER}", str(OTHER)).replace("{SITE}", str(SITE)).encode()
        self.send_response(200)
        self.send_header("Content-Type", page[0])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
SITE = server.server_address[1]
print(SITE, OTHER, flush=True)
server.serve_forever()
