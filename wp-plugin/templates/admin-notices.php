<?php
/**
 * Notices handed over by a redirect. Variables: $notices (list of [type, message]).
 *
 * @package senw-crm
 */

defined( 'ABSPATH' ) || exit;

foreach ( $notices as $senw_notice ) :
	?>
	<div class="notice notice-<?php echo esc_attr( $senw_notice[0] ); ?> is-dismissible"><p><?php echo esc_html( $senw_notice[1] ); ?></p></div>
	<?php
endforeach;
