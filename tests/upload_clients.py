"""A contributor's browser without the browser: fetch the form (session cookie and
CSRF token), then send it as multipart/form-data, over real HTTP."""

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.request

from tests.conftest import submission


def encode_multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """(body, content type) for ``fields`` (name -> str or list of str) and
    ``files`` (name -> (filename, bytes))."""
    boundary = "----crossings" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
            )
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Contributor:
    """One person's cookies on a server at ``base_url``."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def form_token(self, path: str = "/submit") -> str:
        """Open a form page (which starts the session) and return its CSRF token."""
        with self.opener.open(self.base_url + path, timeout=30) as response:
            html = response.read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def session_cookie(self) -> str:
        """The Cookie header value this person's browser would send."""
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def submit_with_photo(self, data: bytes, filename: str, timeout: float = 120) -> tuple[int, str]:
        """Send the submission form with one photo; returns (status, page)."""
        fields = submission(self.form_token(), photo1_alt="A test picture.", photo1_others="y")
        body, content_type = encode_multipart(fields, {"photo1": (filename, data)})
        request = urllib.request.Request(
            self.base_url + "/submit", data=body, headers={"Content-Type": content_type}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()
