"""The 1C integration's settings (environment variables; README, "Configuration")."""

from core.config import env

# After a call fell over to the failover URL, the primary is skipped this long; an exchange still
# "running" after ONEC_EXCHANGE_STALE_SECONDS died with its worker and may be replaced.
ONEC_PRIMARY_COOLDOWN_SECONDS = env.int("ONEC_PRIMARY_COOLDOWN_SECONDS", default=300)
ONEC_EXCHANGE_STALE_SECONDS = env.int("ONEC_EXCHANGE_STALE_SECONDS", default=3600)
