"""``manage.py google_auth``: the one-time OAuth consent for a Google user account.

Runs the installed-app flow with the OAuth client file from ``google.credentials_file`` and
stores the resulting token (with its refresh token) in ``google.token_file``; the sync refreshes
it from then on and saves refreshed tokens back.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.sync import credentials


class Command(BaseCommand):
    help = "Authorise Chronos to use a Google calendar account (stores the token in the data dir)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=0, help="local port for the OAuth redirect (0 = any)")
        parser.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")

    def handle(self, *args, **options):
        from google_auth_oauthlib.flow import InstalledAppFlow

        path = credentials.credentials_path()
        if path is None:
            raise CommandError("Set google.credentials_file (or CHRONOS_GOOGLE_CREDENTIALS) to the OAuth client JSON.")
        if not path.exists():
            raise CommandError(f"OAuth client file not found: {path}")
        try:
            flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=credentials.scopes())
        except ValueError as exc:
            raise CommandError(f"{path.name} is not an OAuth client file for an installed app: {exc}") from None
        creds = flow.run_local_server(port=options["port"], open_browser=not options["no_browser"],
                                      authorization_prompt_message="Open this URL to authorise Chronos: {url}")
        credentials.save_user_token(creds)
        self.stdout.write(f"Stored the Google token in {credentials.token_path()}")
