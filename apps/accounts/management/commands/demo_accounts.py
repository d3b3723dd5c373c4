from django.core.management.base import BaseCommand

from apps.accounts.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo student, author, editor and admin accounts and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-passwords", action="store_true", help="Give every demo account a new password."
        )

    def handle(self, *args, new_passwords: bool, **options):
        accounts = demo_accounts_ensure(new_passwords=new_passwords)
        self.stdout.write("Demo accounts (sign in at http://127.0.0.1:8000/accounts/login/):")
        for account in accounts:
            roles = ", ".join(account.roles)
            if account.password is None:
                shown = "(unchanged; `make demo-passwords` sets new ones)"
            else:
                shown = account.password
            self.stdout.write(f"  {account.username:<8} {shown:<52} {roles}")
