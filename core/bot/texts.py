"""The core bot's own texts, in the four languages it speaks: every message, button and error.

Plugins keep their own texts; the ones a centre may edit are ``BotText`` rows (``tremplin.core.bot.editable``).
Nothing here imports ``telegram``: the web inbox composes the closing message with these texts too.
"""

from __future__ import annotations

BOT_LANGUAGES: tuple[str, ...] = ("uk", "fr", "nl", "en")
#: The name of each language in itself, on the ``/language`` buttons.
LANGUAGE_NAMES: dict[str, str] = {"uk": "Українська", "fr": "Français", "nl": "Nederlands", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "uk": {
        "privacy": (
            "Ми не зберігаємо ваше ім'я, номер телефону чи ідентифікатор Telegram. Ми рахуємо звернення за "
            "темами, анонімно. Якщо ви пишете консультанту, ідентифікатор чату зберігається лише зашифрованим, "
            "щоб надіслати відповідь, і видаляється після закриття розмови (або через {days} днів). "
            "Номер телефону ми ніколи не запитуємо. /forget видаляє все, що пов'язано з цим чатом."
        ),
        "fallback": "Ось що я вмію:",
        "welcome": "Вітаємо! Ось що я вмію:",
        "choose_language": "Оберіть мову:",
        "language_set": "Добре, далі українською.",
        "forgotten": (
            "Готово: усе, що було пов'язано з цим чатом, видалено ({count}). Щоб почати знову, надішліть /start."
        ),
        "nothing_to_cancel": "Зараз нічого скасовувати. Надішліть /start, щоб почати.",
        "cancelled": "Скасовано. Надішліть /start, щоб почати знову.",
        "media": "Вибачте, я читаю лише текстові повідомлення. Напишіть, будь ласка, текстом.",
        "edited": "Я не бачу змінених повідомлень. Будь ласка, надішліть нове повідомлення.",
        "group": "Я відповідаю лише в особистих повідомленнях. Напишіть мені напряму, це анонімно.",
        "too_long": "Повідомлення задовге (понад {limit} символів). Будь ласка, напишіть коротше.",
        "slow_down": "Ви надсилаєте забагато повідомлень. Зачекайте хвилину, будь ласка, і я знову відповідатиму.",
        "thread_received": "Передано консультанту. Відповідь прийде сюди.",
        "thread_answer": "💬 Консультант:\n{text}",
        "thread_closed": "Консультант завершив розмову. Дякуємо! Щоб поставити нове питання, надішліть /start.",
        "thread_referral": (
            "Ваш код: {token}. Покажіть його в Cité des métiers — консультант знатиме вашу тему. Код не містить "
            "жодних даних про вас."
        ),
        "no_centre": "Сервіс ще не налаштований. Будь ласка, спробуйте пізніше.",
        "error": "Щось пішло не так. Будь ласка, спробуйте ще раз.",
        "satisfaction": "Чи допомогла вам ця розмова?",
        "satisfaction_thanks": "Дякуємо за відповідь!",
        "yes": "Так",
        "no": "Ні",
    },
    "fr": {
        "privacy": (
            "Nous ne gardons ni votre nom, ni votre numéro, ni votre identifiant Telegram. Nous comptons les "
            "questions par thème, anonymement. Si vous écrivez à un conseiller, l'identifiant de la conversation "
            "est gardé chiffré, seulement pour vous répondre, et effacé quand elle se termine (ou après {days} "
            "jours). Nous ne demandons jamais votre numéro. /forget efface tout ce qui est lié à cette conversation."
        ),
        "fallback": "Voici ce que je sais faire :",
        "welcome": "Bonjour ! Voici ce que je sais faire :",
        "choose_language": "Choisissez votre langue :",
        "language_set": "Entendu, nous continuons en français.",
        "forgotten": (
            "C'est fait : tout ce qui était lié à cette conversation est effacé ({count}). Pour recommencer, envoyez "
            "/start."
        ),
        "nothing_to_cancel": "Il n'y a rien à annuler. Envoyez /start pour commencer.",
        "cancelled": "Annulé. Envoyez /start pour recommencer.",
        "media": "Désolé, je ne lis que les messages écrits. Écrivez votre message, s'il vous plaît.",
        "edited": "Je ne vois pas les messages modifiés. Envoyez plutôt un nouveau message, s'il vous plaît.",
        "group": "Je ne réponds qu'en conversation privée. Écrivez-moi directement : c'est anonyme.",
        "too_long": "Ce message est trop long (plus de {limit} caractères). Écrivez plus court, s'il vous plaît.",
        "slow_down": (
            "Vous envoyez beaucoup de messages. Attendez une minute, s'il vous plaît, puis je vous répondrai à nouveau."
        ),
        "thread_received": "Transmis à un conseiller. La réponse arrivera ici.",
        "thread_answer": "💬 Conseiller :\n{text}",
        "thread_closed": "Le conseiller a terminé la conversation. Merci ! Pour une nouvelle question, envoyez /start.",
        "thread_referral": (
            "Votre code : {token}. Montrez-le à la Cité des métiers : le conseiller saura de quel thème il s'agit. "
            "Ce code ne contient rien sur vous."
        ),
        "no_centre": "Le service n'est pas encore configuré. Réessayez plus tard, s'il vous plaît.",
        "error": "Quelque chose n'a pas marché. Réessayez, s'il vous plaît.",
        "satisfaction": "Cette conversation vous a-t-elle aidé ?",
        "satisfaction_thanks": "Merci pour votre réponse !",
        "yes": "Oui",
        "no": "Non",
    },
    "nl": {
        "privacy": (
            "We bewaren uw naam, nummer en Telegram-id niet. We tellen de vragen per thema, anoniem. Als u een "
            "adviseur schrijft, wordt de id van het gesprek alleen versleuteld bewaard, om u te antwoorden, en "
            "gewist wanneer het gesprek eindigt (of na {days} dagen). We vragen nooit uw nummer. /forget wist "
            "alles wat met dit gesprek te maken heeft."
        ),
        "fallback": "Dit kan ik voor u doen:",
        "welcome": "Hallo! Dit kan ik voor u doen:",
        "choose_language": "Kies uw taal:",
        "language_set": "Goed, we gaan verder in het Nederlands.",
        "forgotten": (
            "Klaar: alles wat met dit gesprek te maken had, is gewist ({count}). Stuur /start om opnieuw te beginnen."
        ),
        "nothing_to_cancel": "Er is niets te annuleren. Stuur /start om te beginnen.",
        "cancelled": "Geannuleerd. Stuur /start om opnieuw te beginnen.",
        "media": "Sorry, ik lees alleen geschreven berichten. Schrijf uw bericht alstublieft.",
        "edited": "Ik zie geen gewijzigde berichten. Stuur alstublieft een nieuw bericht.",
        "group": "Ik antwoord alleen in een privégesprek. Schrijf me rechtstreeks: het is anoniem.",
        "too_long": "Dit bericht is te lang (meer dan {limit} tekens). Schrijf alstublieft korter.",
        "slow_down": "U stuurt veel berichten. Wacht alstublieft een minuut, daarna antwoord ik weer.",
        "thread_received": "Doorgegeven aan een adviseur. Het antwoord komt hier.",
        "thread_answer": "💬 Adviseur:\n{text}",
        "thread_closed": "De adviseur heeft het gesprek afgesloten. Bedankt! Stuur /start voor een nieuwe vraag.",
        "thread_referral": (
            "Uw code: {token}. Toon hem bij het Beroepenpunt: de adviseur weet dan over welk thema het gaat. De code "
            "bevat niets over u."
        ),
        "no_centre": "De dienst is nog niet ingesteld. Probeer het later opnieuw.",
        "error": "Er ging iets mis. Probeer het opnieuw.",
        "satisfaction": "Heeft dit gesprek u geholpen?",
        "satisfaction_thanks": "Bedankt voor uw antwoord!",
        "yes": "Ja",
        "no": "Nee",
    },
    "en": {
        "privacy": (
            "We keep neither your name, your number nor your Telegram id. We count questions by theme, "
            "anonymously. If you write to a counsellor, the id of this chat is kept encrypted, only to answer "
            "you, and erased when the conversation closes (or after {days} days). We never ask for your phone "
            "number. /forget erases everything tied to this chat."
        ),
        "fallback": "Here is what I can do:",
        "welcome": "Hello! Here is what I can do:",
        "choose_language": "Choose your language:",
        "language_set": "Fine, we go on in English.",
        "forgotten": "Done: everything tied to this chat is erased ({count}). To start again, send /start.",
        "nothing_to_cancel": "There is nothing to cancel. Send /start to begin.",
        "cancelled": "Cancelled. Send /start to begin again.",
        "media": "Sorry, I only read written messages. Please write your message.",
        "edited": "I do not see edited messages. Please send a new message instead.",
        "group": "I only answer in a private chat. Write to me directly: it is anonymous.",
        "too_long": "This message is too long (more than {limit} characters). Please write less.",
        "slow_down": "You are sending many messages. Please wait a minute, then I will answer again.",
        "thread_received": "Passed on to a counsellor. The answer will come here.",
        "thread_answer": "💬 Counsellor:\n{text}",
        "thread_closed": "The counsellor closed the conversation. Thank you! For a new question, send /start.",
        "thread_referral": (
            "Your code: {token}. Show it at the Cité des métiers: the counsellor will know your theme. The code "
            "holds nothing about you."
        ),
        "no_centre": "The service is not set up yet. Please try again later.",
        "error": "Something went wrong. Please try again.",
        "satisfaction": "Did this conversation help you?",
        "satisfaction_thanks": "Thank you for your answer!",
        "yes": "Yes",
        "no": "No",
    },
}


def say(language: str, key: str, **values: object) -> str:
    """The core bot's text ``key`` in ``language`` (Ukrainian if the bot does not speak it)."""
    text = TEXTS.get(language, TEXTS["uk"])[key]
    return text.format(**values) if values else text
