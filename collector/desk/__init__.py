"""The review desk: `collector serve`, a small web interface over one evidence store.

For the people who review captures and hand cases over, and the officers who take
citizens' reports. It sits beside the CLI at the end of the data flow and holds no evidence
logic of its own: notes, verification, hand-over, retirement, export and intake captures
go through the same library functions the CLI calls, so every web action is a custody
event under the signed-in user's name. Reading goes through a read-only index connection.

  app.py      the server (standard library, threaded), routing, sessions, security headers
  auth.py     users, roles, scrypt password hashes, sessions, CSRF, sign-in rate limit
  pages.py    server-rendered HTML: every captured value cleaned, then escaped
  api.py      the JSON API, in the shapes of the CLI's --json output
  intake.py   the intake worker: one browser, the capture runner the CLI uses
  thumbs.py   thumbnails, cached outside the capture folders (<store>/.desk-cache/)
  static/     one stylesheet and one small script, served from the package

docs/desk.md describes roles and the security model.
"""
