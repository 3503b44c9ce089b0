<?php
/**
 * The listing search's map view: one link per placed listing, at its place on
 * a plain canvas (north up, by latitude and longitude); with a tile server
 * (data-tiles) the bundled Leaflet draws the same links over its tiles.
 *
 * @var array[] $markers     SENW_CRM_Listing_Map::markers().
 * @var array[] $positions   Left/top fractions per marker.
 * @var int     $unplaced    Listings of the page not on the map.
 * @var int     $shown       Listings on the page.
 * @var string  $tiles       Tile URL template or ''.
 * @var string  $attribution Tile attribution (kses'd HTML) or ''.
 */

defined( 'ABSPATH' ) || exit;
?>
<section class="senw-map" aria-labelledby="senw-map-title"<?php if ( $tiles ) : ?> data-tiles="<?php echo esc_attr( $tiles ); ?>" data-attribution="<?php echo esc_attr( $attribution ); ?>"<?php endif; ?>>
	<h2 class="senw-sr" id="senw-map-title"><?php esc_html_e( 'Map of these listings', 'senw-crm' ); ?></h2>
	<?php if ( $markers ) : ?>
		<ul class="senw-map-canvas">
			<?php foreach ( $markers as $senw_i => $senw_marker ) : ?>
				<li class="senw-map-pin" data-lat="<?php echo esc_attr( (string) $senw_marker['lat'] ); ?>" data-lng="<?php echo esc_attr( (string) $senw_marker['lng'] ); ?>" style="<?php echo esc_attr( sprintf( 'left: calc(56px + (100%% - 112px) * %.4F); top: calc(26px + (100%% - 52px) * %.4F)', $positions[ $senw_i ]['left'], $positions[ $senw_i ]['top'] ) ); ?>"><a class="senw-map-marker" href="<?php echo esc_url( $senw_marker['url'] ); ?>"><?php echo esc_html( $senw_marker['price'] ? $senw_marker['price'] : __( 'Listing', 'senw-crm' ) ); ?><span class="senw-sr">, <?php echo esc_html( $senw_marker['address'] ); ?></span></a></li>
			<?php endforeach; ?>
		</ul>
	<?php else : ?>
		<p class="senw-map-empty"><?php esc_html_e( 'None of the listings on this page has a published location.', 'senw-crm' ); ?></p>
	<?php endif; ?>
	<?php if ( $markers && $unplaced > 0 ) : ?>
		<p class="senw-map-note">
			<?php
			/* translators: 1: listings not on the map, 2: listings on the page */
			echo esc_html( sprintf( _n( '%1$s of %2$s listings on this page has no published location.', '%1$s of %2$s listings on this page have no published location.', $unplaced, 'senw-crm' ), number_format_i18n( $unplaced ), number_format_i18n( $shown ) ) );
			?>
		</p>
	<?php endif; ?>
</section>
