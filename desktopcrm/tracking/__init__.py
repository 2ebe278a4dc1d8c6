"""Open tracking endpoint: a small stand-alone web app the office hosts (opt-in).

Sent mail carries a 1x1 image whose URL names the message (signed, so nobody can count opens
for messages we did not send); the endpoint counts its loads in its own SQLite file, and the
app polls the counts with a key. Counts are approximate: image proxies (Gmail) load the image
once for many opens or on delivery, privacy features (Apple Mail) pre-fetch every image, and
clients that block images never count. Run it with ``python -m desktopcrm.tracking``.
Standard library only, so it runs on any small server with Python 3.11.
"""
