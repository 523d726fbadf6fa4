from django.core.management.base import BaseCommand, CommandError

from partners.config_files import partner_config_text
from partners.models import Partner


class Command(BaseCommand):
    help = "Write a partner's configuration (no credentials) as JSON to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="File to write instead of stdout.")

    def handle(self, *args, slug: str, output: str | None, **options):
        partner = Partner.objects.filter(slug=slug).first()
        if partner is None:
            raise CommandError(f"No partner with the slug {slug!r}.")
        text = partner_config_text(partner)
        if output:
            with open(output, "w", encoding="utf-8", newline="\n") as file:
                file.write(text)
            self.stderr.write(f"Wrote {partner} to {output}.")
        else:
            self.stdout.write(text, ending="")
