#!/usr/bin/env node
// The tests' Telegram Bot API: the npm package telegram-test-api, patched at start-up where
// python-telegram-bot 22 needs the real API's behaviour, and where the bridge uses methods it lacks.
//
//   node tests/telegram/emulator.js --port 5480
//
// Bot side (python-telegram-bot with base_url http://127.0.0.1:PORT/bot):
//   getMe          has is_bot (PTB's User requires it)
//   getUpdates     honours offset (confirms earlier updates; unconfirmed ones are sent again),
//                  limit and timeout (long polling), like the real API
//   dates          in seconds, not milliseconds; callback queries carry chat_instance
//   sendMessage    checks the HTML parse mode as Telegram does (supported tags only, balanced,
//                  every other <, > and & escaped) and the 4096-character limit; stores the text
//                  as the user sees it (`shown`)
//   sendPhoto      multipart upload; the PNG is checked and kept (`photo_png`, base64)
//   editMessageReplyMarkup   removes the keyboard when called without one, as Telegram does
//   setMyCommands / getMyCommands / deleteMyCommands   per scope and language_code
//   sendChatAction, answerCallbackQuery (answers are recorded), setWebhook (returns true), getWebhookInfo
//   webhook delivery sends X-Telegram-Bot-Api-Secret-Token, and a failed delivery is logged
//   instead of crashing the process
// Client side (the tests), besides the package's /getUpdates and /getUpdatesHistory:
//   POST /sendMessage, /sendCallback         as the package's, but answer with the new message's or query's id
//   POST /editMessage {botToken, message_id, ...}   the user edits a message (an edited_message update)
//   POST /getCallbackAnswers {token}         the recorded answerCallbackQuery calls
//   POST /blockBot {token, chatId}           the user blocks the bot: sending to that chat fails with 403
'use strict';

const http = require('http');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');
const { handle } = require('telegram-test-api/lib/routes/bot/utils');
const { getMe: originalGetMe } = require('telegram-test-api/lib/routes/bot/getMe');
const { getUpdates: originalGetUpdates } = require('telegram-test-api/lib/routes/bot/getUpdates');
const { sendMessage: originalSendMessage } = require('telegram-test-api/lib/routes/bot/sendMessage');
const { setWebhook: originalSetWebhook } = require('telegram-test-api/lib/routes/bot/setWebhook');
const { answerCallbackQuery: originalAnswer } = require('telegram-test-api/lib/routes/bot/answerCallbackQuery');
const { editMessageReplyMarkup: originalEditMarkup } = require('telegram-test-api/lib/routes/bot/editMessageReplyMarkup');
const { unknownMethod } = require('telegram-test-api/lib/routes/bot/unknownMethod');
const { sendMessage: originalClientSendMessage } = require('telegram-test-api/lib/routes/client/sendMessage');
const { sendCallback: originalClientSendCallback } = require('telegram-test-api/lib/routes/client/sendCallback');

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler',
  'a', 'tg-emoji', 'code', 'pre', 'blockquote']);
const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };
const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice',
  'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);
const USER_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];

// --- helpers ---------------------------------------------------------------------------------

const params = (req) => ({ ...req.query, ...req.body }); // the Bot API takes query, form or JSON parameters
const parseJson = (value) => (typeof value === 'string' ? JSON.parse(value) : value);
const fail = (res, code, description) => res.status(code).json({ ok: false, error_code: code, description });
const botMessageOf = (server, chatId, messageId) => server.storage.botMessages.find(
  (u) => String(u.messageId) === String(messageId) && String(u.message.chat_id) === String(chatId),
);

// Telegram's HTML parse mode: returns {shown} (the text as the user sees it) or {error}.
function parseHtml(text) {
  const stack = [];
  let shown = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '<') {
      const tag = /^<(\/?)([a-zA-Z-]+)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*>/.exec(text.slice(i));
      if (!tag) return { error: `Can't parse entities: unexpected "<" at offset ${i}` };
      const name = tag[2].toLowerCase();
      if (!HTML_TAGS.has(name)) return { error: `Can't parse entities: unsupported start tag "${name}" at offset ${i}` };
      if (tag[1]) {
        if (stack.pop() !== name) return { error: `Can't parse entities: unmatched end tag "${name}" at offset ${i}` };
      } else {
        stack.push(name);
      }
      i += tag[0].length;
    } else if (ch === '&') {
      const entity = /^&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);/.exec(text.slice(i));
      if (!entity) return { error: `Can't parse entities: unescaped "&" at offset ${i}` };
      const name = entity[1];
      shown += name[0] === '#'
        ? String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10))
        : ENTITIES[name];
      i += entity[0].length;
    } else if (ch === '>') {
      return { error: `Can't parse entities: unescaped ">" at offset ${i}` };
    } else {
      shown += ch;
      i += 1;
    }
  }
  if (stack.length) return { error: `Can't parse entities: can't find end tag corresponding to start tag "${stack.pop()}"` };
  return { shown };
}

// The text as shown, or the error Telegram would answer; `limit` counts UTF-16 units, as Telegram does.
function checkText(text, parseMode, limit, what) {
  if (text === undefined || text === '') return what === 'caption' ? { shown: '' } : { error: 'Bad Request: message text is empty' };
  let shown = String(text);
  if (parseMode !== undefined && parseMode !== '') {
    if (String(parseMode).toUpperCase() !== 'HTML') return { error: `emulator: only the HTML parse mode is checked, not ${parseMode}` };
    const parsed = parseHtml(shown);
    if (parsed.error) return { error: `Bad Request: ${parsed.error}` };
    shown = parsed.shown;
  }
  if (!shown.trim()) return { error: `Bad Request: ${what} must be non-empty` };
  if (shown.length > limit) return { error: `Bad Request: message ${what === 'caption' ? 'caption ' : ''}is too long` };
  return { shown };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// multipart/form-data -> {field: string, file field: {filename, data: Buffer}}
function parseMultipart(body, boundary) {
  const fields = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers);
    const filename = /filename="([^"]*)"/i.exec(headers);
    if (name) fields[name[1]] = filename ? { filename: filename[1], data: content } : content.toString('utf8');
    start = next;
  }
  return fields;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(data) {
  if (data.length < 24 || !data.subarray(0, 8).equals(PNG_SIGNATURE) || data.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

// Adds a bot message as the package does, then keeps `extra` (what the tests inspect) beside it.
function addBotMessage(server, body, token, extra) {
  const result = server.addBotMessage(body, token);
  Object.assign(server.storage.botMessages[server.storage.botMessages.length - 1], extra);
  return result;
}

// An async route's failure answers 500 instead of crashing the process.
const safe = (handler) => (req, res, next) => Promise.resolve(handler(req, res, next))
  .catch((error) => fail(res, 500, `emulator: ${error.message}`));

const isBlocked = (server, token, chatId) => server.blocked.has(`${token}|${chatId}`);

// --- patched and added bot methods ------------------------------------------------------------

const getMe = (app) => handle(app, '/bot:token/getMe', (req, res) => {
  const id = Number(String(req.params.token).split(':')[0]) || 666;
  res.sendResult({
    ok: true,
    result: {
      id, is_bot: true, first_name: 'Q-SER test bot', username: 'QserTestBot',
      can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false,
    },
  });
});

const getUpdates = (app, server) => handle(app, '/bot:token/getUpdates', safe(async (req, res) => {
  const { token } = req.params;
  const p = params(req);
  const offset = Number(p.offset || 0);
  const limit = Math.min(Number(p.limit || 100), 100);
  const timeout = Math.min(Number(p.timeout || 0), 50);
  for (const update of server.storage.userMessages) {
    if (update.botToken === token && update.updateId < offset) update.confirmed = true;
  }
  const pending = () => server.storage.userMessages
    .filter((u) => u.botToken === token && !u.confirmed)
    .slice(0, limit);
  let updates = pending();
  if (!updates.length && timeout > 0) {
    await new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        USER_EVENTS.forEach((event) => server.off(event, done));
        resolve();
      };
      const timer = setTimeout(done, timeout * 1000);
      USER_EVENTS.forEach((event) => server.on(event, done));
    });
    updates = pending();
  }
  updates.forEach((u) => { u.isRead = true; });
  res.sendResult({ ok: true, result: updates.map((u) => TelegramServer.formatUpdate(u)) });
}));

const sendMessage = (app, server) => handle(app, '/bot:token/sendMessage', (req, res) => {
  const { token } = req.params;
  const body = params(req);
  if (isBlocked(server, token, body.chat_id)) return fail(res, 403, 'Forbidden: bot was blocked by the user');
  const checked = checkText(body.text, body.parse_mode, TEXT_LIMIT, 'text');
  if (checked.error) return fail(res, 400, checked.error);
  return res.sendResult({ ok: true, result: addBotMessage(server, body, token, { shown: checked.shown }) });
});

const sendPhoto = (app, server) => handle(app, '/bot:token/sendPhoto', safe(async (req, res) => {
  const { token } = req.params;
  const boundary = /boundary="?([^";]+)"?/i.exec(req.headers['content-type'] || '');
  if (!boundary) return fail(res, 400, 'emulator: sendPhoto needs a multipart upload');
  const fields = parseMultipart(await readBody(req), boundary[1]);
  const upload = Object.values(fields).find((value) => typeof value === 'object');
  if (isBlocked(server, token, fields.chat_id)) return fail(res, 403, 'Forbidden: bot was blocked by the user');
  const size = upload && pngSize(upload.data);
  if (!size) return fail(res, 400, 'Bad Request: IMAGE_PROCESS_FAILED (emulator: expected a PNG upload)');
  const caption = checkText(fields.caption, fields.parse_mode, CAPTION_LIMIT, 'caption');
  if (caption.error) return fail(res, 400, caption.error);
  const fileId = `photo-${server.messageId}`;
  const body = {
    chat_id: fields.chat_id,
    caption: fields.caption,
    parse_mode: fields.parse_mode,
    reply_markup: fields.reply_markup,
    photo: [{ file_id: fileId, file_unique_id: fileId, file_size: upload.data.length, ...size }],
  };
  Object.keys(body).forEach((key) => body[key] === undefined && delete body[key]);
  return res.sendResult({
    ok: true,
    result: addBotMessage(server, body, token, { shown: caption.shown, photo_png: upload.data.toString('base64') }),
  });
}));

const editMessageReplyMarkup = (app, server) => handle(app, '/bot:token/editMessageReplyMarkup', (req, res) => {
  const body = params(req);
  const stored = botMessageOf(server, body.chat_id, body.message_id);
  if (!stored) return fail(res, 400, 'Bad Request: message to edit not found');
  const markup = body.reply_markup ? parseJson(body.reply_markup) : null;
  if (markup && markup.inline_keyboard && markup.inline_keyboard.length) {
    stored.message.reply_markup = markup;
  } else {
    delete stored.message.reply_markup;
  }
  return res.sendResult({ ok: true, result: true });
});

const answerCallbackQuery = (app, server) => handle(app, '/bot:token/answerCallbackQuery', (req, res) => {
  const body = params(req);
  server.callbackAnswers.push({ token: req.params.token, callback_query_id: String(body.callback_query_id), text: body.text });
  res.sendResult({ ok: true, result: true });
});

const sendChatAction = (app, server) => handle(app, '/bot:token/sendChatAction', (req, res) => {
  const body = params(req);
  if (isBlocked(server, req.params.token, body.chat_id)) return fail(res, 403, 'Forbidden: bot was blocked by the user');
  if (!CHAT_ACTIONS.has(body.action)) return fail(res, 400, 'Bad Request: wrong parameter action in request');
  return res.sendResult({ ok: true, result: true });
});

const commandsKey = (token, p) => `${token}|${p.scope ? parseJson(p.scope).type : 'default'}|${p.language_code || ''}`;

const setMyCommands = (app, server) => handle(app, '/bot:token/setMyCommands', (req, res) => {
  const p = params(req);
  const commands = parseJson(p.commands || '[]');
  const bad = commands.find((c) => !/^[a-z0-9_]{1,32}$/.test(c.command) || !c.description || c.description.length > 256);
  if (bad || commands.length > 100) return fail(res, 400, 'Bad Request: BOT_COMMAND_INVALID');
  if (p.language_code && !/^[a-z]{2}$/.test(p.language_code)) return fail(res, 400, 'Bad Request: LANG_CODE_INVALID');
  server.myCommands[commandsKey(req.params.token, p)] = commands;
  return res.sendResult({ ok: true, result: true });
});

const getMyCommands = (app, server) => handle(app, '/bot:token/getMyCommands', (req, res) => {
  res.sendResult({ ok: true, result: server.myCommands[commandsKey(req.params.token, params(req))] || [] });
});

const deleteMyCommands = (app, server) => handle(app, '/bot:token/deleteMyCommands', (req, res) => {
  delete server.myCommands[commandsKey(req.params.token, params(req))];
  res.sendResult({ ok: true, result: true });
});

const setWebhook = (app, server) => handle(app, '/bot:token/setWebhook', (req, res) => {
  const webhook = params(req);
  if (!webhook.url) return fail(res, 400, 'Bad Request: bad webhook: an HTTP URL must be provided for webhook');
  server.setWebhook(webhook, req.params.token);
  return res.sendResult({ ok: true, result: true });
});

const getWebhookInfo = (app, server) => handle(app, '/bot:token/getWebhookInfo', (req, res) => {
  const webhook = server.webhooks[req.params.token];
  res.sendResult({ ok: true, result: { url: webhook ? webhook.url : '', has_custom_certificate: false, pending_update_count: 0 } });
});

// --- client routes (for the tests) ----------------------------------------------------------------
// The package assigns ids synchronously before its first await, so reading the counters first is exact.

const clientSendMessage = (app, server) => app.post('/sendMessage', (req, res) => {
  const messageId = server.messageId;
  server.addUserMessage(req.body);
  res.sendResult({ ok: true, result: { message_id: messageId } });
});

const clientSendCallback = (app, server) => app.post('/sendCallback', (req, res) => {
  const callbackId = server.callbackId;
  server.addUserCallback(req.body);
  res.sendResult({ ok: true, result: { callback_query_id: String(callbackId) } });
});

const clientEditMessage = (app, server) => app.post('/editMessage', (req, res) => {
  const { botToken, ...message } = req.body;
  server.addUserUpdate({ ...server.getCommonFields(botToken), editedMessage: message })
    .then(() => server.emit('AddedUserMessage'));
  res.sendResult({ ok: true, result: true });
});

const getCallbackAnswers = (app, server) => app.post('/getCallbackAnswers', (req, res) => {
  res.sendResult({ ok: true, result: server.callbackAnswers.filter((a) => a.token === req.body.token) });
});

const blockBot = (app, server) => app.post('/blockBot', (req, res) => {
  server.blocked.add(`${req.body.token}|${req.body.chatId}`);
  res.sendResult({ ok: true, result: true });
});

// --- patches of the server itself -----------------------------------------------------------------

const originalFormatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const seconds = (date) => (date > 1e11 ? Math.floor(date / 1000) : date);
  if (update.editedMessage) {
    return { update_id: update.updateId, edited_message: { ...update.editedMessage, date: seconds(update.editedMessage.date || update.time) } };
  }
  const formatted = originalFormatUpdate(update);
  if (formatted.message) {
    formatted.message.date = seconds(formatted.message.date || update.time);
    delete formatted.message.botToken;
  }
  if (formatted.callback_query) {
    const { message } = formatted.callback_query;
    formatted.callback_query.chat_instance = String(message && message.chat ? message.chat.id : formatted.callback_query.from.id);
    if (message) message.date = seconds(message.date || update.time);
  }
  return formatted;
};

// The package answers with the request's own parameters (JSON-encoded strings among them); the real API
// answers with a Message: dated in seconds, from the bot, without request-only parameters.
const REQUEST_ONLY = ['chat_id', 'parse_mode', 'link_preview_options', 'reply_parameters', 'disable_notification',
  'protect_content', 'allow_paid_broadcast', 'message_effect_id', 'business_connection_id', 'message_thread_id',
  'disable_web_page_preview', 'reply_to_message_id', 'allow_sending_without_reply', 'caption_entities'];
const originalAddBotMessage = TelegramServer.prototype.addBotMessage;
TelegramServer.prototype.addBotMessage = function addBotMessageAsTelegram(rawMessage, botToken) {
  const message = originalAddBotMessage.call(this, rawMessage, botToken);
  REQUEST_ONLY.forEach((key) => delete message[key]);
  message.date = Math.floor(message.date / 1000);
  message.from = { id: Number(String(botToken).split(':')[0]) || 666, is_bot: true, first_name: 'Q-SER test bot' };
  return message;
};

TelegramServer.prototype.addUserUpdate = async function addUserUpdate(update) {
  const webhook = this.webhooks[update.botToken];
  this.updateId++;
  if (!webhook) {
    this.storage.userMessages.push(update);
    return;
  }
  const payload = JSON.stringify(TelegramServer.formatUpdate(update));
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
  if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
  try {
    const status = await new Promise((resolve, reject) => {
      const request = http.request(webhook.url, { method: 'POST', headers }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('error', reject);
      request.end(payload);
    });
    if (status > 299) throw new Error(`status ${status}`);
  } catch (error) {
    console.error(`webhook delivery of update ${update.updateId} failed: ${error.message}`);
  }
};

// --- start -----------------------------------------------------------------------------------------

function replaceRoute(original, replacement) {
  const index = routes.indexOf(original);
  if (index === -1) throw new Error(`telegram-test-api changed: route ${original.name} not found`);
  routes[index] = replacement;
}

replaceRoute(originalGetMe, getMe);
replaceRoute(originalGetUpdates, getUpdates);
replaceRoute(originalSendMessage, sendMessage);
replaceRoute(originalEditMarkup, editMessageReplyMarkup);
replaceRoute(originalAnswer, answerCallbackQuery);
replaceRoute(originalSetWebhook, setWebhook);
replaceRoute(originalClientSendMessage, clientSendMessage);
replaceRoute(originalClientSendCallback, clientSendCallback);
// new methods go before the package's catch-all "unknown method" route
routes.splice(routes.indexOf(unknownMethod), 0, sendPhoto, sendChatAction, setMyCommands, getMyCommands,
  deleteMyCommands, getWebhookInfo, clientEditMessage, getCallbackAnswers, blockBot);

async function main() {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 9000;
  // storeTimeout: the package forgets messages after it; the tests read whole conversations
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 24 * 3600 });
  server.setMaxListeners(200); // one listener per long poll waiting
  server.callbackAnswers = [];
  server.myCommands = {};
  server.blocked = new Set();
  await server.start();
  console.log(`Telegram Bot API emulator listening on http://127.0.0.1:${port}`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
