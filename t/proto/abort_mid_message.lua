-- abort_mid_message: an aborted transaction (after RCPT, or right after
-- MAIL) is neither logged nor counted; the next message on the same
-- connection is logged with its own rcpt count only.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local function mail_macros(conn, qid, label)
		zm.call(label .. ": MAIL macros",
		        mt.macro(conn, SMFIC_MAIL, "i", qid, "{mail_addr}", "sender@example.org"))
	end

	local conn = zm.connect("192.0.2.50")

	-- B1: MAIL, 4 x RCPT, abort
	mail_macros(conn, "B1", "B1")
	zm.call("B1: MAIL FROM", mt.mailfrom(conn, "<sender@example.org>"))
	zm.expect("B1: MAIL FROM", mt.getreply(conn), SMFIR_CONTINUE)
	for i = 1, 4 do
		zm.call("B1: RCPT TO #" .. i, mt.rcptto(conn, "<aborted" .. i .. "@example.com>"))
		zm.expect("B1: RCPT TO #" .. i, mt.getreply(conn), SMFIR_CONTINUE)
	end
	zm.call("B1: abort", mt.abort(conn))

	-- B2: 2 rcpts; if B1's 4 were counted this would be 6 > 5
	zm.accepted(conn, { qid = "B2", rcpts = 2, label = "B2 (after abort, count 2)" })

	-- B3: MAIL then abort at once
	mail_macros(conn, "B3", "B3")
	zm.call("B3: MAIL FROM", mt.mailfrom(conn, "<sender@example.org>"))
	zm.expect("B3: MAIL FROM", mt.getreply(conn), SMFIR_CONTINUE)
	zm.call("B3: abort", mt.abort(conn))

	-- B4: 3 rcpts, count 5: still not over
	zm.accepted(conn, { qid = "B4", rcpts = 3, label = "B4 (after abort, count 5)" })
	-- B5: 1 rcpt, count 6 > 5: counting itself works
	zm.refused_eom(conn, { qid = "B5", rcpts = 1, label = "B5 (count 6 > 5)" },
	               "451", "4.7.1", "ZM-TEMP abort test")

	-- B6: abort after RCPT, then the connection closes in mid-transaction
	mail_macros(conn, "B6", "B6")
	zm.call("B6: MAIL FROM", mt.mailfrom(conn, "<sender@example.org>"))
	zm.expect("B6: MAIL FROM", mt.getreply(conn), SMFIR_CONTINUE)
	zm.call("B6: RCPT TO", mt.rcptto(conn, "<x@example.com>"))
	zm.close(conn)

	mt.echo("abort_mid_message: ok")
end)
