"""A family's reminder schedules (diary, medicine): a schedule and a grace period per child."""
