"""Counsellor and person in one conversation, and the person's own words on the lead.

``talk``: the conversation on a lead (a counsellor writes, the bot steps aside, the person's
replies go to the lead, the bot comes back); ``words``: the questions the person typed, kept in
the state until consent and on the lead after it; ``deliver``: a counsellor's message to the
person's channel; ``dashboard`` and ``web``: the routes.
"""
