"""Sign a release zip for the schools' automatic update (the publisher's step; see README "Releases").

    python scripts/sign_release.py dist/baoxue-0.2.0-windows.zip --version 0.2.0 --platform windows \
        --key /path/outside/the/repo/publisher-secret.key

Writes ``<zip>.sig`` beside the zip. The secret key (64 hex characters, an Ed25519 seed) is never
committed; its public half is in ``desktop_app/services/updates.py`` TRUSTED_PUBLISHER_KEYS.
``--new-key FILE`` makes a new key pair, writes the secret to FILE and prints the public key.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import SigningKey  # noqa: E402

from desktop_app.services import updates  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", nargs="?")
    parser.add_argument("--version")
    parser.add_argument("--platform", choices=("windows", "linux"), default="windows")
    parser.add_argument("--key", help="file holding the publisher's secret key (hex)")
    parser.add_argument("--new-key", help="write a new secret key to this file and print its public key")
    args = parser.parse_args()
    if args.new_key:
        key = SigningKey.generate()
        fd = os.open(args.new_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.encode().hex())
        print(key.verify_key.encode().hex())
        return 0
    if not (args.zip and args.version and args.key):
        parser.error("zip, --version and --key are needed")
    sig = updates.sign(Path(args.zip), args.version, args.platform, Path(args.key).read_text().strip())
    print(f"signed: {sig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
