"""What the allocation writes share: the role shorthand."""

from accounts.models import User

Role = User.Role
