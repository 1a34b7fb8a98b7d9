from django.db import migrations, models
from django.utils.crypto import salted_hmac

# What AbstractBaseUser.get_session_auth_hash() returned for these users when this ran.
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


def record_current_credentials(apps, schema_editor):
    """Tokens already out stay valid until their user's password changes."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    tokens = ApiToken.objects.select_related("user").only("pk", "user__password")
    for token in tokens.iterator(chunk_size=500):
        credential_hash = salted_hmac(
            SESSION_HASH_SALT, token.user.password, algorithm="sha256"
        ).hexdigest()
        ApiToken.objects.filter(pk=token.pk).update(credential_hash=credential_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="credential_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(record_current_credentials, migrations.RunPython.noop),
    ]
