"""Extension objects, created unbound and initialised in the app factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from contest.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Default key is the client address; routes that must not be keyed per address
# (answer saving: one ward hall shares one address) pass their own key_func.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
