def application(environ, start_response):
    if environ["PATH_INFO"] == "/api/boom":
        return [str(1 / 0).encode()]
    if environ["PATH_INFO"] == "/chain":
        try:
            {}["missing"]
        except KeyError as e:
            raise RuntimeError("lookup failed") from e
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
