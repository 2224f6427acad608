"""Comments on posts: the source's form, moderation, plain text, replies one level deep, the
reply email with its one-click unsubscribe, and the spam defences."""

import re

from sqlalchemy import select

from shop.comments import services as comments
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db
from shop.models import Post

from .accounts.factories import emails_to, outbox

FILM = "/blog/top-5-korean-movies-that-make-you-cry"
MIN_JI = {"name": "Min-ji", "email": "Min-Ji@Example.com", "body": "I cried at every one of these ㅠㅠ"}


def post_comment(client, **fields):
    data = {**MIN_JI, **fields}
    return client.post(FILM, data={k: v for k, v in data.items() if v is not None})


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def moderate(app, comment_id: int, to: CommentStatus) -> None:
    with app.app_context():
        comments.transition(db.session.get(Comment, comment_id), to)
        db.session.commit()


def test_the_post_has_the_sources_comment_form(seeded, client):
    html = client.get(FILM).get_data(as_text=True)
    assert "what do you think?" in html
    assert "Your email address will not be published. Required fields are marked *" in html
    for label in ["Comment *", "Name *", "Email *", "Website"]:
        assert f">{label}</label>" in html
    assert "No comments yet" in html


def test_a_first_comment_waits_for_moderation_and_the_page_says_so(seeded, client):
    response = post_comment(client, website="https://min-ji.example.com")
    assert response.status_code == 302
    (comment,) = stored(seeded)
    assert comment.status is CommentStatus.PENDING
    assert comment.author_email == "min-ji@example.com"  # stored lower-case, for the trust rule
    assert response.location.endswith(f"#comment-{comment.id}")
    html = client.get(FILM).get_data(as_text=True)
    assert "Your comment is waiting for moderation" in html
    assert "I cried at every one of these ㅠㅠ" in html  # shown to its author only
    stranger = seeded.test_client().get(FILM).get_data(as_text=True)
    assert "I cried at every one of these" not in stranger


def test_approved_comments_show_with_their_date_oldest_first_and_never_the_email(seeded, client):
    post_comment(client)
    post_comment(client, name="Jae", email="jae@example.com", body="Miracle in Cell No.7 destroyed me.")
    first, second = stored(seeded)
    moderate(seeded, second.id, CommentStatus.APPROVED)
    moderate(seeded, first.id, CommentStatus.APPROVED)
    html = seeded.test_client().get(FILM).get_data(as_text=True)
    assert "2 comments" in html
    assert html.index("I cried at every one") < html.index("Miracle in Cell No.7 destroyed me.")
    assert re.search(
        rf'id="comment-{first.id}".*?<time class="comment__date" datetime="[^"]+">\d+ \w+ \d{{4}}</time>', html, re.S
    )
    assert "min-ji@example.com" not in html.lower() and "jae@example.com" not in html


def test_a_trusted_commenter_is_published_at_once(seeded, client):
    post_comment(client)
    (first,) = stored(seeded)
    moderate(seeded, first.id, CommentStatus.APPROVED)
    post_comment(client, body="And another thing: Always is so sad.")
    assert stored(seeded)[-1].status is CommentStatus.APPROVED
    assert "And another thing" in seeded.test_client().get(FILM).get_data(as_text=True)


def test_missing_fields_are_named_and_what_was_typed_is_kept(seeded, client):
    response = post_comment(client, name="", email="not-an-email", website="ftp://x")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your name." in html
    assert "Enter an email address like name@example.com." in html
    assert "Enter a web address starting with https://." in html
    assert "I cried at every one of these ㅠㅠ</textarea>" in html
    assert 'value="not-an-email"' in html
    assert stored(seeded) == []


def test_an_empty_comment_is_refused(seeded, client):
    response = post_comment(client, body="   ")
    assert response.status_code == 422
    assert "Write your comment." in response.get_data(as_text=True)


def test_a_comment_that_is_too_long_is_refused(seeded, client):
    response = post_comment(client, body="ㅠ" * 3001)
    assert response.status_code == 422
    assert "Write a comment of 2 to 3,000 characters." in response.get_data(as_text=True)
    response = post_comment(client, name="N" * 81)
    assert "Keep your name to 80 characters." in response.get_data(as_text=True)
    assert stored(seeded) == []


def test_the_honeypot_drops_the_comment_but_thanks_the_bot(seeded, client):
    response = post_comment(client, url="http://cheap-pills.example")
    assert response.status_code == 302
    assert stored(seeded) == []


def test_comments_are_rate_limited(seeded, client):
    seeded.config["COMMENT_RATE_LIMIT"] = "2 per 10 minutes"
    statuses = [post_comment(client, body=f"Comment number {n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert len(stored(seeded)) == 2


def test_a_script_tag_is_shown_as_text_and_links_are_nofollow_ugc(seeded, client):
    post_comment(
        client,
        body='<script>alert("x")</script> <b>bold</b>\nSee https://example.com/films?a=1&b=2. And "https://q.example".',
    )
    (comment,) = stored(seeded)
    moderate(seeded, comment.id, CommentStatus.APPROVED)
    html = seeded.test_client().get(FILM).get_data(as_text=True)
    section = html[html.index('id="comments"') :]
    assert "<script>alert" not in section and "<b>bold</b>" not in section
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;<br>" in section
    assert (
        '<a href="https://example.com/films?a=1&amp;b=2" rel="nofollow ugc">https://example.com/films?a=1&amp;b=2</a>.'
        in section
    )
    assert '&#34;<a href="https://q.example" rel="nofollow ugc">https://q.example</a>&#34;' in section


def test_the_commenters_website_links_with_nofollow_ugc(seeded, client):
    post_comment(client, website="https://min-ji.example.com")
    (comment,) = stored(seeded)
    moderate(seeded, comment.id, CommentStatus.APPROVED)
    html = seeded.test_client().get(FILM).get_data(as_text=True)
    assert '<a href="https://min-ji.example.com" rel="nofollow ugc noopener">Min-ji</a>' in html


def test_the_moderation_flow(seeded, client):
    post_comment(client)
    (comment,) = stored(seeded)
    moderate(seeded, comment.id, CommentStatus.SPAM)
    assert "I cried at every one" not in seeded.test_client().get(FILM).get_data(as_text=True)
    moderate(seeded, comment.id, CommentStatus.APPROVED)
    assert "I cried at every one" in seeded.test_client().get(FILM).get_data(as_text=True)
    with seeded.app_context():
        found = db.session.get(Comment, comment.id)
        try:
            comments.transition(found, CommentStatus.PENDING)
        except comments.CommentError as error:
            assert "cannot become waiting for moderation" in str(error)
        else:
            raise AssertionError("an approved comment went back to pending")
        comments.delete(found)
        db.session.commit()
    assert stored(seeded) == []


def test_moderation_from_the_command_line(seeded, client):
    post_comment(client)
    (comment,) = stored(seeded)
    runner = seeded.test_cli_runner()
    listed = runner.invoke(args=["comments", "queue"])
    assert f"#{comment.id}" in listed.output and "min-ji@example.com" in listed.output
    assert runner.invoke(args=["comments", "approve", str(comment.id)]).exit_code == 0
    assert stored(seeded)[0].status is CommentStatus.APPROVED
    refused = runner.invoke(args=["comments", "approve", str(comment.id)])
    assert refused.exit_code != 0 and "cannot become approved" in refused.output
    missing = runner.invoke(args=["comments", "spam", "999999"])
    assert missing.exit_code != 0 and "No comment #999999" in missing.output
    assert runner.invoke(args=["comments", "delete", str(comment.id)]).exit_code == 0
    assert stored(seeded) == []


def test_replies_are_one_level_deep_under_their_comment(seeded, client):
    post_comment(client, notify_replies="y")
    (parent,) = stored(seeded)
    moderate(seeded, parent.id, CommentStatus.APPROVED)
    form = client.get(f"{FILM}?reply_to={parent.id}").get_data(as_text=True)
    assert "Reply to Min-ji" in form and f'name="parent_id" type="hidden" value="{parent.id}"' in form
    other = seeded.test_client()
    other.post(FILM, data={"name": "Jae", "email": "jae@example.com", "body": "Same here!", "parent_id": parent.id})
    reply = stored(seeded)[-1]
    assert reply.parent_id == parent.id
    moderate(seeded, reply.id, CommentStatus.APPROVED)
    # A reply to the reply answers the same top-level comment.
    other.post(FILM, data={"name": "Jae", "email": "jae@example.com", "body": "Replying to me", "parent_id": reply.id})
    assert stored(seeded)[-1].parent_id == parent.id
    html = other.get(FILM).get_data(as_text=True)
    replies = html[html.index('class="comment-list comment-list--replies"') :]
    assert "Same here!" in replies and "Replying to me" in replies


def test_the_author_is_emailed_once_when_a_reply_is_approved_and_can_unsubscribe_in_one_click(seeded, client):
    post_comment(client, notify_replies="y")
    (parent,) = stored(seeded)
    moderate(seeded, parent.id, CommentStatus.APPROVED)
    seeded.test_client().post(
        FILM, data={"name": "Jae", "email": "jae@example.com", "body": "Same here!", "parent_id": parent.id}
    )
    reply = stored(seeded)[-1]
    assert emails_to(seeded, "min-ji@example.com") == []  # not before the reply is approved
    moderate(seeded, reply.id, CommentStatus.APPROVED)
    (message,) = emails_to(seeded, "min-ji@example.com", "replied to your comment")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Same here!" in text and f"http://localhost{FILM}#comment-{reply.id}" in text
    unsubscribe = re.search(r"<(http://localhost(/comments/unsubscribe/[^>]+))>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.group(1) in text
    # Spam and back: told once only.
    moderate(seeded, reply.id, CommentStatus.SPAM)
    moderate(seeded, reply.id, CommentStatus.APPROVED)
    assert len(emails_to(seeded, "min-ji@example.com")) == 1
    # One click, as a mail program does it: a POST with no form token.
    response = seeded.test_client().post(unsubscribe.group(2), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "No more reply emails" in response.get_data(as_text=True)
    assert not stored(seeded)[0].notify_replies
    seeded.test_client().post(
        FILM, data={"name": "Jae", "email": "jae@example.com", "body": "Again!", "parent_id": parent.id}
    )
    assert stored(seeded)[-1].status is CommentStatus.APPROVED  # Jae is trusted now
    assert len(emails_to(seeded, "min-ji@example.com")) == 1
    assert seeded.test_client().post("/comments/unsubscribe/not-a-token").status_code == 404


def test_no_email_to_an_author_who_did_not_ask(seeded, client):
    post_comment(client)  # notify_replies unticked
    (parent,) = stored(seeded)
    moderate(seeded, parent.id, CommentStatus.APPROVED)
    seeded.test_client().post(
        FILM, data={"name": "Jae", "email": "jae@example.com", "body": "Hi!", "parent_id": parent.id}
    )
    moderate(seeded, stored(seeded)[-1].id, CommentStatus.APPROVED)
    assert outbox(seeded) == []


def test_a_draft_post_takes_no_comments(seeded, client):
    with seeded.app_context():
        post = db.session.scalar(select(Post).filter_by(slug="a-week-of-sheet-masks"))
        post.published_at = None
        db.session.commit()
        try:
            comments.add_comment(comments.NewComment(post_id=post.id, name="A", email="a@example.com", body="Hello"))
        except comments.CommentError as error:
            assert "not open for comments" in str(error)
        else:
            raise AssertionError("a draft took a comment")
    assert client.post("/blog/a-week-of-sheet-masks", data=MIN_JI).status_code == 404


def test_the_comment_form_needs_no_session(seeded, client):
    seeded.config["WTF_CSRF_ENABLED"] = True
    assert post_comment(client).status_code == 302
    assert stored(seeded)[0].author_name == "Min-ji"


def test_hostile_input_gets_a_field_error_or_a_404_never_a_500(seeded, client):
    response = post_comment(client, name="Min\x00ji")
    assert response.status_code == 422
    assert "Please remove the invisible control characters from this field." in response.get_data(as_text=True)
    assert post_comment(client, parent_id=str(2**40)).status_code == 302  # not a row: a top-level comment
    assert stored(seeded)[0].parent_id is None
    assert client.get(f"{FILM}?reply_to={2**40}").status_code == 200
    assert client.post("/comments/unsubscribe/%00bad").status_code == 404
