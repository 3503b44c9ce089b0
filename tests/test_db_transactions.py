"""The plugin's multi-statement transactions when the connection dies in the
middle: wpdb reconnects after "server has gone away" and would run the rest in
autocommit, committing half of the work. SENW_CRM_Db notices the reconnection:
the statement re-run on the new connection cannot write, the transaction cannot
commit, and nothing of it is stored."""
from __future__ import annotations

import json
import uuid


def test_a_transaction_cut_by_a_lost_connection_stores_nothing(wordpress, db):
    mark = "Tx" + uuid.uuid4().hex[:10]
    out = wordpress.wp_eval(f"""
global $wpdb;
SENW_CRM_Db::begin();
$people = SENW_CRM_Db::t( 'people' );
$first  = $wpdb->insert( $people, array( 'contact_key' => wp_generate_uuid4(), 'first_name' => 'Before', 'last_name' => '{mark}' ) );
// The server drops this connection (as a MariaDB restart would) mid-transaction.
$root = mysqli_init();
list( $host, $port ) = explode( ':', (string) getenv( 'SENW_DB_HOST' ) );
mysqli_real_connect( $root, $host, 'root', '', null, (int) $port );
mysqli_query( $root, 'KILL CONNECTION ' . (int) mysqli_thread_id( $wpdb->dbh ) );
$second = $wpdb->insert( $people, array( 'contact_key' => wp_generate_uuid4(), 'first_name' => 'After', 'last_name' => '{mark}' ) );
$intact = SENW_CRM_Db::tx_intact();
$threw  = false;
try {{
	SENW_CRM_Db::check( $second );
}} catch ( RuntimeException $e ) {{
	$threw = true;
}}
$committed = SENW_CRM_Db::commit();
// The connection is usable again afterwards (read-write).
$later = $wpdb->insert( $people, array( 'contact_key' => wp_generate_uuid4(), 'first_name' => 'Later', 'last_name' => '{mark}' ) );
echo 'OUT=' . wp_json_encode( array( 'first' => $first, 'second' => $second, 'intact' => $intact, 'threw' => $threw, 'committed' => $committed, 'later' => $later ) );
""")
    result = json.loads(out.split("OUT=", 1)[1].strip())
    assert result["first"] == 1
    # wpdb reconnected and re-ran the insert: the reconnection was noticed and
    # the re-run could not write.
    assert result["second"] is False and result["intact"] is False and result["threw"] is True
    assert result["committed"] is False
    with db.engine.connect() as conn:
        names = [r[0] for r in conn.execute(db.sql(
            "SELECT first_name FROM {t:people} WHERE last_name = :m ORDER BY id"), {"m": mark})]
    # Neither the first insert (its transaction died) nor the re-run second one.
    assert names == ["Later"]
    assert result["later"] == 1
