import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import actions
from accounts.models import Role, User


class Command(BaseCommand):
    help = "Create a user with a campaign role, for scripts: create_user USERNAME --role ROLE [--department CODE] [--password …]"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--department", help="department code (leader and liaison: required; api: optional scope)")
        parser.add_argument("--password", help="omit to be asked; '-' for no usable password (api clients)")
        parser.add_argument("--name", default="", help="display name, e.g. 李局长")
        parser.add_argument("--token", action="store_true", help="also create an API token and print it once")

    def handle(self, *args, username, role, department, password, name, token, **options):
        dept = None
        if department:
            # Accounts sit below the catalog: the department model is reached through the user's
            # lazy "services.Department" reference, as Django itself resolves it, not by importing it.
            Department = User._meta.get_field("department").related_model
            dept = Department.objects.filter(code=department).first()
            if dept is None:
                raise CommandError(f"unknown department code: {department}")
        if password is None and role != Role.API:
            password = getpass.getpass("Password: ")
        if password == "-":
            password = None
        try:
            user = actions.user_create(username=username, role=role, department=dept, password=password, first_name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"created {user.username} ({user.get_role_display()})")
        if token:
            _token, key = actions.api_token_create(user=user, name="create_user", created_by=None)
            self.stdout.write(f"token: {key}")
